"""Runs the kernel protocol tests and prints "kernel: N passed, N failed, N skipped"."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py")
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped)
passed = result.testsRun - failed - skipped
print(f"kernel: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
sys.exit(0 if result.wasSuccessful() else 1)
