#include <cstdio>
int main() { long long a, b; scanf("%lld %lld", &a, &b); volatile unsigned long x = 0; for (;;) x++; }
