{
  "targets": [
    {
      "target_name": "temper_onednn",
      "sources": ["src/addon.cc", "src/conv.cc", "src/matmul.cc", "src/elementwise.cc", "src/fake_quant.cc", "src/batch_norm.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!(node scripts/dnnl-prefix.mjs include)"],
      "libraries": ["-L<!(node scripts/dnnl-prefix.mjs lib)", "-ldnnl", "-fopenmp"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fexceptions", "-ffp-contract=off", "-fno-trapping-math"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-Xpreprocessor", "-fopenmp"],
        "OTHER_LDFLAGS": ["-L<!(node scripts/dnnl-prefix.mjs lib)", "-ldnnl", "-lomp"]
      }
    }
  ]
}
