// Open MPI for Swift: the handles MPI defines as macros over globals (MPI_COMM_WORLD, MPI_BYTE),
// which Swift cannot import, as functions. Built only with SPIKEKIT_MPI=1 (see Package.swift), against
// the headers of Debian's libopenmpi-dev (pkg-config ompi-c).
#ifndef SPIKEKIT_CMPI_SHIM_H
#define SPIKEKIT_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm spikekit_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype spikekit_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Status *spikekit_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int spikekit_mpi_success(void) { return MPI_SUCCESS; }
#endif
