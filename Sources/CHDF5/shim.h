#ifndef SWEEP_CHDF5_SHIM_H
#define SWEEP_CHDF5_SHIM_H
// Parallel HDF5 (the Open MPI build). HDF5's property-list and type constants are macros that
// call H5open(); Swift cannot import them, so each is exposed as a static inline function.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#include <hdf5.h>

static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
static inline hid_t chdf5_p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t chdf5_p_attribute_create(void) { return H5P_ATTRIBUTE_CREATE; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline hsize_t chdf5_unlimited(void) { return H5S_UNLIMITED; }
static inline MPI_Comm chdf5_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm chdf5_comm_self(void) { return MPI_COMM_SELF; }
static inline MPI_Info chdf5_info_null(void) { return MPI_INFO_NULL; }

#endif
