#include <stdio.h>
int main(void) { long long n, d = 2; scanf("%lld", &n); while (d * d <= n && n % d) d++; printf("%lld\n", d * d <= n ? d : n); return 0; }
