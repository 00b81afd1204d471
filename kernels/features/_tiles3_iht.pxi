# Included by _tiles3.pyx (textually, at its place in that file): the index hash table (IHT) class and its int64 key conversion.
# ---------------------------------------------------------------- the IHT
cdef struct Slot:
    uint64_t hash
    int64_t off


cdef class IHT:
    """Index hash table: assigns consecutive indices 0, 1, 2... to new tile coordinates.

    Same behaviour as tiles3's ``IHT(size)``: ``count()``, ``fullp()``,
    ``getindex(obj, readonly=False)``, ``size``, ``overfullCount``, and a
    ``dictionary`` view.  When full, new coordinates get ``hash(obj) % size``
    (collisions allowed) and a ``RuntimeWarning`` is issued once (the original
    prints a line instead).

    Integer-tuple keys live in a C open-addressing table; any other hashable
    key (strings, floats that are not integral...) in a Python dict, sharing
    the same index counter, so mixed use stays exact.
    """
    cdef readonly Py_ssize_t size
    cdef public Py_ssize_t overfullCount
    cdef Py_ssize_t _count
    # C table of int-tuple keys.  Records live in an arena, in insertion order:
    # [n, index, k_1 .. k_n]; a slot holds (table hash, record offset), offset -1 when empty.
    cdef Slot* _slots
    cdef Py_ssize_t _nslots        # a power of two, at least twice the number of records
    cdef int64_t* _arena
    cdef Py_ssize_t _arena_len, _arena_cap
    cdef Py_ssize_t _nent
    cdef dict _other              # non-integer keys
    cdef list _pyidx              # cached Python ints 0..count-1 (no allocation per returned index)
    # memo of whole tiles() calls: key [numtilings, nq, q..., ints...] -> numtilings indices.
    # Only rows whose indices are permanent are stored (no overflow, no readonly miss).
    cdef int64_t* _mkeys
    cdef int64_t* _mvals
    cdef char* _mvalid

    def __cinit__(self, sizeval):
        self._slots = NULL
        self._arena = NULL
        self._mkeys = NULL
        self._mvals = NULL
        self._mvalid = NULL

    def __init__(self, sizeval):
        if isinstance(sizeval, bool) or not hasattr(sizeval, "__index__"):
            raise TypeError(f"sizeval must be a positive int, got {type(sizeval).__name__}")
        size = sizeval.__index__()
        if size <= 0 or size > 2**62:  # larger sizes would overflow the C index type
            raise ValueError(f"sizeval must be a positive int <= 2**62, got {size}")
        self.size = size
        self.overfullCount = 0
        self._count = 0
        self._other = {}
        self._pyidx = []
        self._nent = 0
        self._nslots = 64
        self._slots = <Slot*>malloc(self._nslots * sizeof(Slot))
        for i in range(self._nslots):
            self._slots[i].off = -1
        self._arena_len = 0
        self._arena_cap = 1024
        self._arena = <int64_t*>malloc(self._arena_cap * sizeof(int64_t))
        if self._slots == NULL or self._arena == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self._slots)
        free(self._arena)
        free(self._mkeys)
        free(self._mvals)
        free(self._mvalid)

    cdef bint memo_get(self, const int64_t* key, int klen, int nt, int64_t* out) noexcept:
        cdef Py_ssize_t slot
        if self._mvalid == NULL:
            return False
        slot = _table_hash(key, klen) & (MEMO - 1)
        if self._mvalid[slot] and self._mkeys[slot * MEMOK] == klen and \
                _same(self._mkeys + slot * MEMOK + 1, key, klen):
            memcpy(out, self._mvals + slot * MEMOV, nt * sizeof(int64_t))
            return True
        return False

    cdef void memo_put(self, const int64_t* key, int klen, int nt, const int64_t* vals) noexcept:
        cdef Py_ssize_t slot
        if self._mvalid == NULL:
            self._mkeys = <int64_t*>malloc(MEMO * MEMOK * sizeof(int64_t))
            self._mvals = <int64_t*>malloc(MEMO * MEMOV * sizeof(int64_t))
            self._mvalid = <char*>calloc(MEMO, 1)
            if self._mkeys == NULL or self._mvals == NULL or self._mvalid == NULL:
                free(self._mkeys); free(self._mvals); free(self._mvalid)
                self._mkeys = NULL; self._mvals = NULL; self._mvalid = NULL
                return
        slot = _table_hash(key, klen) & (MEMO - 1)
        self._mkeys[slot * MEMOK] = klen
        memcpy(self._mkeys + slot * MEMOK + 1, key, klen * sizeof(int64_t))
        memcpy(self._mvals + slot * MEMOV, vals, nt * sizeof(int64_t))
        self._mvalid[slot] = 1

    cdef int _rehash(self) except -1:
        cdef Py_ssize_t n = self._nslots * 2, i, s, off = 0
        cdef uint64_t h
        cdef Slot* slots = <Slot*>malloc(n * sizeof(Slot))
        if slots == NULL:
            raise MemoryError()
        for i in range(n):
            slots[i].off = -1
        while off < self._arena_len:
            h = _table_hash(self._arena + off + 2, <int>self._arena[off])
            s = h & (n - 1)
            while slots[s].off != -1:
                s = (s + 1) & (n - 1)
            slots[s].hash = h
            slots[s].off = off
            off += 2 + self._arena[off]
        free(self._slots)
        self._slots = slots
        self._nslots = n
        return 0

    cdef inline Py_ssize_t _find(self, const int64_t* c, int n, uint64_t h) nogil:
        """Arena offset of key c[:n], or -(slot+1) for the empty slot where it would go."""
        cdef Py_ssize_t mask = self._nslots - 1
        cdef Py_ssize_t s = h & mask
        cdef int64_t off
        cdef int64_t* rec
        while True:
            off = self._slots[s].off
            if off == -1:
                return -(s + 1)
            if self._slots[s].hash == h:
                rec = self._arena + off
                if rec[0] == n and _same(rec + 2, c, n):
                    return off
            s = (s + 1) & mask

    cdef int64_t lookup(self, const int64_t* c, int n, bint readonly) except -2:
        """Index for int key c[:n]; -1 for a readonly miss."""
        return self.lookup_h(c, n, _table_hash(c, n), readonly)

    cdef int lookup_many(self, const int64_t* coords, int nt, int n, bint readonly, int64_t* out) except -1:
        """out[t] = lookup(coords[t*n : (t+1)*n]) for t < nt, hashing all keys first and
        prefetching their slots so the nt table probes overlap in memory."""
        cdef uint64_t h[MAXC]
        cdef int t, t0, m
        for t0 in range(0, nt, MAXC):
            m = min(MAXC, nt - t0)
            for t in range(m):
                h[t] = _table_hash(coords + (t0 + t) * n, n)
                _prefetch(&self._slots[h[t] & (self._nslots - 1)])
            for t in range(m):
                out[t0 + t] = self.lookup_h(coords + (t0 + t) * n, n, h[t], readonly)
        return 0

    cdef int64_t lookup_h(self, const int64_t* c, int n, uint64_t h, bint readonly) except -2:
        """:meth:`lookup` with the table hash ``h`` of the key already computed."""
        cdef Py_ssize_t off = self._find(c, n, h)
        cdef Py_ssize_t slot
        if off >= 0:
            return self._arena[off + 1]
        if readonly:
            return -1
        if self._count >= self.size:
            self._overflow()
            return pymod(py_tuple_hash(c, n), self.size)
        # insert
        if self._arena_len + n + 2 > self._arena_cap:
            while self._arena_len + n + 2 > self._arena_cap:
                self._arena_cap *= 2
            self._arena = <int64_t*>realloc(self._arena, self._arena_cap * sizeof(int64_t))
            if self._arena == NULL:
                raise MemoryError()
        slot = -off - 1
        self._arena[self._arena_len] = n
        self._arena[self._arena_len + 1] = self._count
        memcpy(self._arena + self._arena_len + 2, c, n * sizeof(int64_t))
        self._slots[slot].hash = h
        self._slots[slot].off = self._arena_len
        self._arena_len += n + 2
        self._nent += 1
        self._count += 1
        if self._nent * 2 > self._nslots:
            self._rehash()
        return self._count - 1

    cdef inline object pyint(self, int64_t r):
        """Python int r, from a cache for indices below size (they repeat a lot)."""
        cdef Py_ssize_t n = len(self._pyidx)
        if r >= self.size:
            return r
        while n <= r:
            self._pyidx.append(n)
            n += 1
        return self._pyidx[r]

    cdef void _overflow(self):
        if self.overfullCount == 0:
            warnings.warn("IHT full, starting to allow collisions", RuntimeWarning, stacklevel=3)
        self.overfullCount += 1

    def count(self):
        """Number of distinct coordinates stored."""
        return self._count

    def fullp(self):
        """True when the table holds ``size`` entries (new tiles then collide)."""
        return self._count >= self.size

    def getindex(self, obj, readonly=False):
        """Index of ``obj`` (a tuple of coordinates); inserts it unless ``readonly``.

        Returns None for an unseen ``obj`` when ``readonly``.
        """
        cdef int64_t buf[MAXC]
        cdef int64_t r
        if type(obj) is tuple and _as_int64(obj, buf):
            r = self.lookup(buf, len(obj), readonly)
            return None if r == -1 else r
        return self._getindex_obj(obj, readonly)

    cdef object _getindex_obj(self, obj, bint readonly):
        d = self._other
        if obj in d:
            return d[obj]
        if readonly:
            return None
        if self._count >= self.size:
            self._overflow()
            return pymod(hash(obj), self.size)
        d[obj] = self._count
        self._count += 1
        return self._count - 1

    cdef list _records(self):
        """[(key tuple, index)] of the int-tuple entries, in insertion order."""
        cdef Py_ssize_t off = 0, j, n
        out = []
        while off < self._arena_len:
            n = self._arena[off]
            out.append((tuple([self._arena[off + 2 + j] for j in range(n)]), self._arena[off + 1]))
            off += 2 + n
        return out

    @property
    def dictionary(self):
        """A dict {coordinates tuple: index} in index order (a copy, built on demand)."""
        out = dict(self._records())
        out.update(self._other)
        return dict(sorted(out.items(), key=lambda kv: kv[1]))

    def __len__(self):
        return self._count

    def __str__(self):
        return ("Collision table: size:" + str(self.size) + " overfullCount:" + str(self.overfullCount)
                + " dictionary:" + str(self._count) + " items")

    def __repr__(self):
        return f"IHT(size={self.size}, count={self._count}, overfullCount={self.overfullCount})"


cdef bint _as_int64(tuple t, int64_t* buf):
    """Fill buf with the tuple's items when all are ints (or integral floats) in int64 range."""
    cdef Py_ssize_t n = len(t), i
    cdef int overflow
    cdef int64_t v
    if n > MAXC:
        return False
    for i in range(n):
        x = t[i]
        if PyLong_CheckExact(x) or isinstance(x, int):
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if overflow:
                return False
            buf[i] = v
        elif PyFloat_Check(x):
            f = PyFloat_AS_DOUBLE(x)
            if not isfinite(f) or f != floor(f) or f >= 9.2e18 or f <= -9.2e18:
                return False
            buf[i] = <int64_t>f
        elif hasattr(x, "__index__") and not isinstance(x, (bytes, str)):
            try:
                x = x.__index__()
            except TypeError:
                return False
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if overflow:
                return False
            buf[i] = v
        else:
            return False
    return True
