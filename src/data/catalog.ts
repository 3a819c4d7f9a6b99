/**
 * The datasets ResLab knows: file names, canonical download locations and checksums.
 *
 * Checksums are SHA-256 of the decompressed content, so a file verifies whatever gzip wrapper it
 * came in (Debian recompresses Fashion-MNIST, for example). MNIST's are those of the official
 * files; CIFAR-10's those of the members of the official cifar-10-binary.tar.gz.
 */

/** One file of a dataset. */
export interface CatalogFile {
  /** File name as distributed (without .gz for CIFAR members). */
  name: string;
  /** SHA-256 of the decompressed content. */
  sha256: string;
}

/** A downloadable dataset. */
export interface CatalogEntry {
  name: "mnist" | "fashion-mnist" | "cifar10";
  format: "idx" | "cifar-binary";
  shape: [number, number, number];
  classes: string[];
  files: CatalogFile[];
  /** Base URLs tried in order (file name appended), or the archive URL for CIFAR-10. */
  urls: string[];
  /** For archives: the member folder inside the tarball. */
  archiveFolder?: string;
  /** System folders that may hold the files (Debian's dataset packages). */
  systemDirs?: string[];
  /** Folder names this dataset goes by inside a folder of datasets (RESLAB_DATA_DIR), first the cache's own. */
  folderNames: string[];
  citation: string;
}

export const MNIST: CatalogEntry = {
  name: "mnist",
  format: "idx",
  shape: [28, 28, 1],
  classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  files: [
    { name: "train-images-idx3-ubyte.gz", sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db" },
    { name: "train-labels-idx1-ubyte.gz", sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5" },
    { name: "t10k-images-idx3-ubyte.gz", sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7" },
    { name: "t10k-labels-idx1-ubyte.gz", sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2" },
  ],
  urls: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://yann.lecun.com/exdb/mnist/"],
  folderNames: ["mnist"],
  citation: "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, Gradient-based learning applied to document recognition, Proc. IEEE 86(11), 1998",
};

export const FASHION_MNIST: CatalogEntry = {
  name: "fashion-mnist",
  format: "idx",
  shape: [28, 28, 1],
  classes: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
  files: [
    { name: "train-images-idx3-ubyte.gz", sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888" },
    { name: "train-labels-idx1-ubyte.gz", sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9" },
    { name: "t10k-images-idx3-ubyte.gz", sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b" },
    { name: "t10k-labels-idx1-ubyte.gz", sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34" },
  ],
  urls: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
  folderNames: ["fashion-mnist"],
  systemDirs: ["/usr/share/datasets/fashion-mnist"],
  citation: "H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST, arXiv:1708.07747, 2017",
};

export const CIFAR10: CatalogEntry = {
  name: "cifar10",
  format: "cifar-binary",
  shape: [32, 32, 3],
  classes: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
  files: [
    { name: "data_batch_1.bin", sha256: "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5" },
    { name: "data_batch_2.bin", sha256: "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed" },
    { name: "data_batch_3.bin", sha256: "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67" },
    { name: "data_batch_4.bin", sha256: "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48" },
    { name: "data_batch_5.bin", sha256: "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add" },
    { name: "test_batch.bin", sha256: "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b" },
  ],
  urls: ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"],
  archiveFolder: "cifar-10-batches-bin",
  folderNames: ["cifar10", "cifar-10", "cifar-10-batches-bin"],
  citation: "A. Krizhevsky, Learning Multiple Layers of Features from Tiny Images, Tech. Report, University of Toronto, 2009",
};

export const CATALOG: Record<CatalogEntry["name"], CatalogEntry> = { mnist: MNIST, "fashion-mnist": FASHION_MNIST, cifar10: CIFAR10 };
