import sys
a, b = map(int, sys.stdin.read().split())
print(a + b)          # right answer, but a non-zero exit is RE
sys.exit(3)
