n = int(input())
print(n // 2 + 1, n // 2 - 1)
