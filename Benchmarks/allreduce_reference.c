/* The minimal reference the dlscale harness is compared with: MPI_Allreduce timed exactly as the
 * harness times it (float32 sum in place on a zero-filled buffer; warm-up, a barrier, then each
 * iteration timed alone with MPI_Wtime and followed by a barrier; OSU's iteration counts; the
 * mean over ranks of each rank's mean). Prints "bytes mean_us" per size on rank 0.
 *
 * usage: allreduce_reference MIN_BYTES MAX_BYTES   (doubling)
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  long min_bytes = argc > 1 ? atol(argv[1]) : 8;
  long max_bytes = argc > 2 ? atol(argv[2]) : 64L << 20;
  float *buffer = calloc((size_t)max_bytes / sizeof(float) + 1, sizeof(float));
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
    double mean = 0;
    for (int i = 0; i < iterations; i++) mean += samples[i];
    mean /= iterations;
    double total = 0;
    MPI_Reduce(&mean, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("%ld %.4f\n", (long)count * (long)sizeof(float), total / size * 1e6);
  }
  free(samples);
  free(buffer);
  MPI_Finalize();
  return 0;
}
