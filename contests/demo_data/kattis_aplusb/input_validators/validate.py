import sys
a, b = map(int, sys.stdin.read().split())
assert abs(a) <= 2 * 10**9 and abs(b) <= 2 * 10**9
sys.exit(42)
