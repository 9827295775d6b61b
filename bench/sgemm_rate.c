/* OpenBLAS sgemm rate on this machine, for comparison with the training
 * epoch's GFLOP/s. Usage: sgemm_rate M K N REPEATS (prints the best run).
 * C (M x N) = A (M x K) B (K x N), row-major, 2 M K N flops per call.
 * Build: cc -O2 bench/sgemm_rate.c -o .build/sgemm-rate -lopenblas */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: sgemm_rate M K N REPEATS\n"); return 64; }
    int m = atoi(argv[1]), k = atoi(argv[2]), n = atoi(argv[3]), repeats = atoi(argv[4]);
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)(i % 7) / 7;
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)(i % 5) / 5;
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
        clock_gettime(CLOCK_MONOTONIC, &end);
        double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9;
        if (seconds < best) best = seconds;
    }
    printf("bench=sgemm m=%d k=%d n=%d best_s=%.5f gflop_per_s=%.2f\n", m, k, n, best, 2.0 * m * k * n / best / 1e9);
    free(a); free(b); free(c);
    return 0;
}
