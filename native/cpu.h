// Runtime CPU dispatch for the builtin SIMD kernels (sgemm.cc, lstm_cell.cc). They are compiled with
// function-level target attributes, so the addon as a whole keeps its x86-64-v2 baseline and loads on
// any x86-64 CPU; a kernel is only called after CpuSupports() said yes.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MRLCO_X86_KERNELS 1
#define MRLCO_AVX2 __attribute__((target("avx2,fma")))
#define MRLCO_AVX512 __attribute__((target("avx512f,avx2,fma")))
#else
#define MRLCO_X86_KERNELS 0
#endif

namespace mrlco {

enum class Isa { kAvx2, kAvx512 };

// Whether this CPU, and the OS (which must save the wider registers), can run kernels of that ISA.
inline bool CpuSupports(Isa isa) {
#if MRLCO_X86_KERNELS
  __builtin_cpu_init();
  // libgcc's checks include the OS's XSAVE state (XCR0), so a kernel that disabled AVX-512 says no.
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa == Isa::kAvx2) return avx2;
  return avx2 && __builtin_cpu_supports("avx512f");
#else
  (void)isa;
  return false;
#endif
}

}  // namespace mrlco
