#include <cstdio>
int main() { unsigned long long n; scanf("%llu", &n); unsigned __int128 s = (unsigned __int128)n * (n + 1) / 2;
  unsigned long long hi = (unsigned long long)(s / 1000000000000000000ULL), lo = (unsigned long long)(s % 1000000000000000000ULL);
  if (hi) printf("%llu%018llu\n", hi, lo); else printf("%llu\n", lo); }
