/* The minimal reference the dlscale harness is compared with: MPI_Allreduce timed exactly as the
 * harness times it (float32 sum in place on a zero-filled buffer; warm-up, a barrier, then each
 * iteration timed alone with MPI_Wtime and followed by a barrier; OSU's iteration counts; the
 * buffer page-aligned, as OSU's are). Prints "bytes mean_us median_us" per size on rank 0: the
 * mean over ranks of each rank's mean, and of each rank's median, iteration time.
 *
 * usage: allreduce_reference MIN_BYTES MAX_BYTES   (doubling)
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  long min_bytes = argc > 1 ? atol(argv[1]) : 8;
  long max_bytes = argc > 2 ? atol(argv[2]) : 64L << 20;
  float *buffer = NULL;
  size_t capacity = ((size_t)max_bytes / sizeof(float) + 1) * sizeof(float);
  if (posix_memalign((void **)&buffer, (size_t)sysconf(_SC_PAGESIZE), capacity) != 0) {
    fprintf(stderr, "allreduce_reference: cannot allocate %zu bytes\n", capacity);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  memset(buffer, 0, capacity);
  double *samples = malloc(1000 * sizeof(double));
  for (long bytes = min_bytes; bytes <= max_bytes; bytes *= 2) {
    int count = (int)(bytes / (long)sizeof(float));
    int small = bytes <= 8192;
    int iterations = small ? 1000 : 100, warmup = small ? 100 : 10;
    memset(buffer, 0, (size_t)count * sizeof(float));
    for (int i = 0; i < warmup; i++)
      MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < iterations; i++) {
      double start = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      samples[i] = MPI_Wtime() - start;
      MPI_Barrier(MPI_COMM_WORLD);
    }
    double own[2] = {0, 0}; /* this rank's mean and median */
    for (int i = 0; i < iterations; i++) own[0] += samples[i];
    own[0] /= iterations;
    qsort(samples, (size_t)iterations, sizeof(double), compare_doubles);
    own[1] = iterations % 2 ? samples[iterations / 2]
                            : (samples[iterations / 2 - 1] + samples[iterations / 2]) / 2;
    double total[2] = {0, 0};
    MPI_Reduce(own, total, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
      printf("%ld %.4f %.4f\n", (long)count * (long)sizeof(float), total[0] / size * 1e6, total[1] / size * 1e6);
  }
  free(samples);
  free(buffer);
  MPI_Finalize();
  return 0;
}
