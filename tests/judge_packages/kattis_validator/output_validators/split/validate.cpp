// Kattis output validator: validate input answer feedback_dir [flags] < team_output
#include "validate.h"
int main(int argc, char **argv) {
    if (argc < 4) return 1;
    FILE *in = fopen(argv[1], "r");
    if (!in) return 1;
    std::string dir = argv[3];
    judge_message = fopen((dir + "judgemessage.txt").c_str(), "w");
    long long n, a, b;
    if (fscanf(in, "%lld", &n) != 1) return 1;
    if (scanf("%lld %lld", &a, &b) != 2) verdict(false, "expected two integers");
    char extra;
    if (scanf(" %c", &extra) == 1) verdict(false, "trailing output");
    verdict(a >= 0 && b >= 0 && a + b == n, "a + b != n or a negative part");
}
