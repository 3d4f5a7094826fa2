import sys
n = int(sys.stdin.read())
assert 1 <= n <= 10**12
sys.exit(42)
