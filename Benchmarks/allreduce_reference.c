/* The minimal reference the dlscale harness is compared with: MPI_Allreduce timed exactly as the
 * harness times it (float32 sum in place on a zero-filled buffer; warm-up, a barrier, then each
 * iteration timed alone with MPI_Wtime and followed by a barrier; OSU's iteration counts; the
 * buffer page-aligned, as OSU's are). Prints "bytes mean_us median_us" per size on rank 0: the
 * mean over ranks of each rank's mean, and of each rank's median, iteration time.
 *
 * With --harness-traffic it also makes the MPI calls the dlscale harness makes outside its timed
 * loops, with the same message sizes: the run-metadata exchange before the first size (processor
 * name lengths and names, a 23-byte run id), a validation allreduce of each size before its
 * warm-up, and each rank's five statistics gathered plus a wrong-element count allreduced after
 * it. Small-message latency depends on where messages land in OpenMPI's shared-memory fast boxes,
 * which the traffic before them decides; this puts both programs in the same place.
 *
 * usage: allreduce_reference [--harness-traffic] MIN_BYTES MAX_BYTES   (doubling)
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The harness's RunContext.gather: names gathered to rank 0 (longest length, then padded
 * names), then broadcast joined by newlines, then the run id (each as a length, then bytes). */
static void metadata_traffic(int rank, int size) {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(name, &length);
  int64_t own = length, longest = 0;
  MPI_Allreduce(&own, &longest, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
  int width = longest > 0 ? (int)longest : 1;
  uint8_t *padded = calloc((size_t)width, 1), *all = calloc((size_t)width * (size_t)size, 1);
  memcpy(padded, name, (size_t)length);
  MPI_Gather(padded, width, MPI_UINT8_T, all, width, MPI_UINT8_T, 0, MPI_COMM_WORLD);
  int64_t joined = rank == 0 ? (int64_t)size * length + size - 1 : 0;
  MPI_Bcast(&joined, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  uint8_t *names = calloc((size_t)joined + 1, 1);
  MPI_Bcast(names, (int)joined, MPI_UINT8_T, 0, MPI_COMM_WORLD);
  int64_t id_length = 23;
  uint8_t id[23] = {0};
  MPI_Bcast(&id_length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  MPI_Bcast(id, (int)id_length, MPI_UINT8_T, 0, MPI_COMM_WORLD);
  free(padded);
  free(all);
  free(names);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int harness_traffic = argc > 1 && strcmp(argv[1], "--harness-traffic") == 0;
  if (harness_traffic) {
    argc--;
    argv++;
  }
  long min_bytes = argc > 1 ? atol(argv[1]) : 8;
  long max_bytes = argc > 2 ? atol(argv[2]) : 64L << 20;
  if (harness_traffic) metadata_traffic(rank, size);
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
    if (harness_traffic) MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
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
    if (harness_traffic) {
      double figures[5] = {samples[0], own[0], own[1], samples[iterations - 1], samples[iterations - 1]};
      double *gathered = malloc(5 * (size_t)size * sizeof(double));
      MPI_Gather(figures, 5, MPI_DOUBLE, gathered, 5, MPI_DOUBLE, 0, MPI_COMM_WORLD);
      for (int r = 0; rank == 0 && r < size; r++) {
        total[0] += gathered[5 * r + 1];
        total[1] += gathered[5 * r + 2];
      }
      int64_t wrong = 0, all_wrong = 0;
      MPI_Allreduce(&wrong, &all_wrong, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
      free(gathered);
    } else {
      MPI_Reduce(own, total, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    }
    if (rank == 0)
      printf("%ld %.4f %.4f\n", (long)count * (long)sizeof(float), total[0] / size * 1e6, total[1] / size * 1e6);
  }
  free(samples);
  free(buffer);
  MPI_Finalize();
  return 0;
}
