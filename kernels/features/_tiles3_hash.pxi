# Included by _tiles3.pyx (textually, at its place in that file): C hashing: CPython's int and tuple hashes, coordinates of a tiling, the IHT's table hash.
# ---------------------------------------------------------------- hashing
cdef inline uint64_t _int_hash(int64_t v) nogil:
    """Python's hash(int) for every int64 ``v`` (-2**63 included)."""
    cdef int64_t h
    cdef uint64_t m
    if -HMOD < v < HMOD:      # the usual case: no division
        return <uint64_t>(-2) if v == -1 else <uint64_t>v
    if v >= 0:
        h = v % HMOD
    else:  # |v| in uint64: -v overflows for v = -2**63
        m = <uint64_t>(-(v + 1)) + 1
        h = -<int64_t>(m % <uint64_t>HMOD)
    if h == -1:
        h = -2
    return <uint64_t>h


cdef inline int64_t py_tuple_hash(const int64_t* c, int n) nogil:
    """Python's hash(tuple(c[:n])) for a tuple of ints."""
    cdef uint64_t acc = XXP5
    cdef int i
    for i in range(n):
        acc += _int_hash(c[i]) * XXP2
        acc = (acc << 31) | (acc >> 33)
        acc *= XXP1
    acc += (<uint64_t>n) ^ (XXP5 ^ 3527539ULL)
    if acc == <uint64_t>(-1):
        return 1546275796
    return <int64_t>acc


cdef inline int64_t pymod(int64_t a, int64_t m) nogil:
    """a % m with Python's sign convention (m != 0)."""
    cdef int64_t r
    if m > 0 and (m & (m - 1)) == 0:
        return a & (m - 1)     # power of two: two's complement mask = Python's modulo
    r = a % m
    if r != 0 and ((r < 0) != (m < 0)):
        r += m
    return r


cdef inline int64_t floordiv(int64_t a, int64_t b) nogil:
    """a // b with Python's rounding (b > 0)."""
    cdef int64_t q = a / b
    if (a % b != 0) and ((a < 0) != (b < 0)):
        q -= 1
    return q


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define FASTFA_PREFETCH(p) __builtin_prefetch((const void*)(p))
    #else
    #define FASTFA_PREFETCH(p) ((void)0)
    #endif
    """
    void _prefetch "FASTFA_PREFETCH"(const void* p) nogil


cdef inline void _py_hash_many(const int64_t* coords, int nt, int n, int64_t size, int64_t* out) nogil:
    """out[t] = hash(tuple(coords[t*n:(t+1)*n])) % size for t < nt, lane by lane so the
    nt independent multiply chains of the tuple hash overlap."""
    cdef uint64_t acc[MAXC]
    cdef int t, t0, m, i
    for t0 in range(0, nt, MAXC):
        m = min(MAXC, nt - t0)
        for t in range(m):
            acc[t] = XXP5
        for i in range(n):
            for t in range(m):
                acc[t] += _int_hash(coords[(t0 + t) * n + i]) * XXP2
                acc[t] = ((acc[t] << 31) | (acc[t] >> 33)) * XXP1
        for t in range(m):
            acc[t] += (<uint64_t>n) ^ (XXP5 ^ 3527539ULL)
            if acc[t] == <uint64_t>(-1):
                out[t0 + t] = pymod(1546275796, size)
            else:
                out[t0 + t] = pymod(<int64_t>acc[t], size)


cdef inline bint _same(const int64_t* a, const int64_t* b, int n) nogil:
    cdef int i
    for i in range(n):
        if a[i] != b[i]:
            return False
    return True


cdef inline int _log2_or_neg(int64_t nt) nogil:
    """log2(nt) when nt is a power of two, else -1 (then division is used)."""
    cdef int k = 0
    if nt <= 0 or (nt & (nt - 1)) != 0:
        return -1
    while (1LL << k) != nt:
        k += 1
    return k


cdef inline void _tiling_coords(const int64_t* q, int nq, int64_t nt, int shift, int64_t t,
                                const int64_t* w, bint wrap, const int64_t* iv, int ni,
                                int64_t* out) nogil:
    """tiles3 coordinates of tiling t: (t, (q_k + b) // nt ..., ints) with b = t, 3t, 5t...;
    tileswrap: c = (q_k + b % nt) // nt, then c % w_k when w_k != 0."""
    cdef int k
    cdef int64_t b = t, c, a
    out[0] = t
    for k in range(nq):
        if wrap:
            a = q[k] + pymod(b, nt)
        else:
            a = q[k] + b
        if shift >= 0:
            c = a >> shift          # arithmetic shift = floor division by a power of two
        else:
            c = floordiv(a, nt)
        if wrap and w[k] != 0:
            c = pymod(c, w[k])
        out[1 + k] = c
        b += 2 * t
    for k in range(ni):
        out[1 + nq + k] = iv[k]


cdef inline uint64_t _table_hash(const int64_t* c, int n) nogil:
    """Internal hash for the open-addressing table (not Python's): multiply-mix + fmix64."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t>n
    cdef int i
    for i in range(n):
        h = (h ^ <uint64_t>c[i]) * 0xBF58476D1CE4E5B9ULL
        h = (h << 27) | (h >> 37)
    h ^= h >> 33
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 33
    h *= 0xC4CEB9FE1A85EC53ULL
    h ^= h >> 33
    return h
