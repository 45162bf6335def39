# node-gyp build of the native compute backend (native/mrlco_nn.cc), run by scripts/build-native.mjs
# during `npm install`. It builds against the local Node headers and links Debian's OpenBLAS
# (apt-get install libopenblas-dev); nothing is downloaded.
{
  'targets': [
    {
      'target_name': 'mrlco_nn',
      'sources': ['native/mrlco_nn.cc', 'native/sgemm.cc', 'native/lstm_cell.cc'],
      # The _except flavour: argument errors are thrown as C++ Napi::Error and surface as JS exceptions.
      'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      'defines': ['NAPI_VERSION=8'],
      'libraries': ['-lopenblas'],
      # Node's common.gypi pins a C++ standard; replace it with C++17 (no -ffast-math: the LSTM
      # kernels must keep IEEE semantics to match the TypeScript reference). -ffp-contract=off: FMAs
      # only where the code asks for them, so the scalar and vector cell backward agree bit for bit.
      'cflags_cc!': ['-std=gnu++17', '-std=gnu++20', '-std=c++20'],
      'cflags_cc': ['-std=c++17', '-O3', '-ffp-contract=off'],
      'conditions': [
        # x86-64-v2 (SSE4.2, POPCNT) runs on every x86-64 CPU of the last ~15 years. The AVX2/AVX-512
        # kernels (sgemm.cc, lstm_cell.cc) carry function-level target attributes and are only called
        # after a run-time CPU check, so this baseline is what decides where the addon loads.
        ["target_arch=='x64'", {'cflags_cc': ['-march=x86-64-v2']}],
        ["OS=='mac'", {'xcode_settings': {'CLANG_CXX_LANGUAGE_STANDARD': 'c++17', 'OTHER_CFLAGS': ['-O3']}}],
      ],
    },
  ],
}
