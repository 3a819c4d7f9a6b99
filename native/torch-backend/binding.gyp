# ResLab's libtorch backend for tfjs (an N-API addon). Built by scripts/build-native.sh, which
# finds libtorch (Debian's libtorch-dev, or the folder named by LIBTORCH) and its C++ ABI.
{
  "variables": {
    "libtorch_include%": "/usr/include",
    "libtorch_lib%": "/usr/lib/x86_64-linux-gnu",
    "cxx11_abi%": "1",
  },
  "targets": [
    {
      "target_name": "reslab_torch",
      "sources": ["src/addon.cc", "src/elementwise.cc", "src/shape.cc", "src/nn.cc", "src/linalg.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(libtorch_include)",
        "<(libtorch_include)/torch/csrc/api/include",
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<(cxx11_abi)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++1y", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": [
        "-L<(libtorch_lib)",
        "-Wl,-rpath,<(libtorch_lib)",
        "-Wl,--no-as-needed",
        "-ltorch",
        "-ltorch_cpu",
        "-lc10",
        "-Wl,--as-needed",
      ],
    }
  ]
}
