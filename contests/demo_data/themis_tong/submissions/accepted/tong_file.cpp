// Themis style: read TONG.INP, write TONG.OUT in the working directory
#include <cstdio>
int main() { freopen("TONG.INP", "r", stdin); freopen("TONG.OUT", "w", stdout); long long a, b; scanf("%lld %lld", &a, &b); printf("%lld\n", a + b); }
