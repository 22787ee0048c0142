#if canImport(Glibc)
import Glibc
#endif

/// This machine's online CPU cores, which the worker and hashing defaults scale with.
enum ProcessorCount {
    static var online: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
