import Engine
BLAS.useSingleThread()
print(BLAS.configuration)
