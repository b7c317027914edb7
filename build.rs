//! Generates `include/mongoose.h` with cbindgen and compiles the C shim that
//! provides the variadic functions (`mg_printf` and friends), which stable
//! Rust cannot define.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("include").join("mongoose.h");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml must parse");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed to generate include/mongoose.h");
    // write_to_file leaves the file untouched when the contents are equal, so
    // a rebuild does not dirty the committed header.
    bindings.write_to_file(&header);

    cc::Build::new()
        .file(crate_dir.join("src/shim/variadic.c"))
        .include(crate_dir.join("include"))
        .flag_if_supported("-std=c99")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("mongoose_shim");

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
}
