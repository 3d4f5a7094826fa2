// testlib convention without testlib.h: checker input output answer
// exit 0 = OK, 1 = WA, 2 = presentation error, 3 = checker failure, 7 = partial ("points X" on stdout)
#include <cstdio>
int main(int argc, char **argv) {
    if (argc < 4) return 3;
    FILE *in = fopen(argv[1], "r"), *out = fopen(argv[2], "r"), *ans = fopen(argv[3], "r");
    if (!in || !out || !ans) return 3;
    long long n, best, got;
    if (fscanf(in, "%lld", &n) != 1 || fscanf(ans, "%lld", &best) != 1) return 3;
    if (fscanf(out, "%lld", &got) != 1) { printf("no number in the output\n"); return 2; }
    char extra;
    if (fscanf(out, " %c", &extra) == 1) { printf("extra output after the number\n"); return 2; }
    if (got == best) { printf("ok smallest divisor %lld\n", got); return 0; }
    if (got > 1 && got <= n && n % got == 0) { printf("points 0.5 divisor %lld is not the smallest\n", got); return 7; }
    printf("wrong: %lld does not divide %lld\n", got, n);
    return 1;
}
