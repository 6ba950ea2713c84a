#!/bin/sh
# The GGML_* CMake switches for the x86 instruction sets this CPU advertises (AMX left out on purpose:
# sandboxes that do not grant it to processes kill a build that uses it). Prints nothing elsewhere.
[ "$(uname -m)" = "x86_64" ] || exit 0
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0;; esac; return 1; }
out=""
has avx && out="$out -DGGML_AVX=ON"
has avx2 && out="$out -DGGML_AVX2=ON"
has fma && out="$out -DGGML_FMA=ON"
has f16c && out="$out -DGGML_F16C=ON"
has avx_vnni && out="$out -DGGML_AVX_VNNI=ON"
if has avx512f && has avx512bw && has avx512vl && has avx512dq; then
    out="$out -DGGML_AVX512=ON"
    has avx512vbmi && out="$out -DGGML_AVX512_VBMI=ON"
    has avx512_vnni && out="$out -DGGML_AVX512_VNNI=ON"
    has avx512_bf16 && out="$out -DGGML_AVX512_BF16=ON"
fi
echo "$out"
