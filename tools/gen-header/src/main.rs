//! Writes `include/mongoose.h` from the exported functions and types
//! (cbindgen, configured by `cbindgen.toml`), or with `--check` fails when
//! the committed header differs from what the sources generate.
//!
//! The values cbindgen cannot express (the version string and the
//! websocket opcodes, which 5.4's header declares as an anonymous enum)
//! are taken from the library itself, so each is defined once.

use mongoose::api::v5_4::types::MONGOOSE_VERSION;
use mongoose::core::websocket as ws;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn after_includes() -> String {
    let opcodes = [
        ("CONTINUATION", ws::OP_CONTINUATION),
        ("TEXT", ws::OP_TEXT),
        ("BINARY", ws::OP_BINARY),
        ("CONNECTION_CLOSE", ws::OP_CLOSE),
        ("PING", ws::OP_PING),
        ("PONG", ws::OP_PONG),
    ];
    let enumerators: Vec<String> = opcodes
        .iter()
        .map(|(name, value)| format!("  WEBSOCKET_OPCODE_{name} = {value:#x}"))
        .collect();
    format!(
        "#define MONGOOSE_VERSION \"{MONGOOSE_VERSION}\"\n\n\
         /* Websocket opcodes (low nibble of wsbits). */\n\
         enum {{\n{}\n}};",
        enumerators.join(",\n")
    )
}

fn generate(root: &Path) -> Result<Vec<u8>, String> {
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))?;
    config.after_includes = Some(after_includes());
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    Ok(out)
}

fn main() -> ExitCode {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let header = root.join("include/mongoose.h");
    let check = std::env::args().any(|a| a == "--check");
    let generated = match generate(&root) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("gen-header: {e}");
            return ExitCode::FAILURE;
        }
    };
    let current = std::fs::read(&header).unwrap_or_default();
    if current == generated {
        return ExitCode::SUCCESS;
    }
    if check {
        eprintln!(
            "include/mongoose.h is not what the sources generate: run `make header` and commit it"
        );
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&header, &generated) {
        eprintln!("gen-header: {}: {e}", header.display());
        return ExitCode::FAILURE;
    }
    eprintln!("gen-header: wrote include/mongoose.h");
    ExitCode::SUCCESS
}
