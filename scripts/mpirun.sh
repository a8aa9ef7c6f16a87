#!/usr/bin/env bash
# mpirun for workstations and CI machines: allows running as root (containers) and more ranks
# than cores. Usage: scripts/mpirun.sh -n 4 .build/release/sweep-mpi sweeps/quick.json
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1
exec mpirun "$@"
