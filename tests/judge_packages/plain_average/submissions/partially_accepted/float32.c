#include <stdio.h>
/* single precision: right for small numbers only */
int main(void) { int n; float s = 0; scanf("%d", &n); for (int i = 0; i < n; i++) { float x; scanf("%f", &x); s += x; } printf("%.9f\n", s / n); return 0; }
