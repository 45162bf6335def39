# node-gyp build of the native compute backend (native/mrlco_nn.cc), run by scripts/build-native.mjs
# during `npm install`. It builds against the local Node headers and links Debian's OpenBLAS
# (apt-get install libopenblas-dev); nothing is downloaded.
{
  'targets': [
    {
      'target_name': 'mrlco_nn',
      'sources': ['native/mrlco_nn.cc'],
      # The _except flavour: argument errors are thrown as C++ Napi::Error and surface as JS exceptions.
      'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      'defines': ['NAPI_VERSION=8'],
      'libraries': ['-lopenblas'],
      # Node's common.gypi pins a C++ standard; replace it with C++17 (no -ffast-math: the LSTM
      # kernels must keep IEEE expf/tanhf semantics to match the TypeScript reference).
      'cflags_cc!': ['-std=gnu++17', '-std=gnu++20', '-std=c++20'],
      'cflags_cc': ['-std=c++17', '-O3'],
      'conditions': [
        # x86-64-v2 (SSE4.2, POPCNT) runs on every x86-64 CPU of the last ~15 years; the GEMM itself
        # is OpenBLAS's runtime-dispatched kernel, so a higher baseline would gain little here.
        ["target_arch=='x64'", {'cflags_cc': ['-march=x86-64-v2']}],
        ["OS=='mac'", {'xcode_settings': {'CLANG_CXX_LANGUAGE_STANDARD': 'c++17', 'OTHER_CFLAGS': ['-O3']}}],
      ],
    },
  ],
}
