//! The C API surface: header layout and signatures (tests/c/layout.c),
//! C++ use of the header, option handling and NULL arguments from C, and
//! the packaging artefacts (static and shared library, pkg-config file).

mod common;
use common::*;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs a compiled test program and asserts that it exits 0 and says "ok".
fn run_ok(binary: &Path, envs: &[(&str, PathBuf)]) -> Output {
    let mut cmd = Command::new(binary);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        binary.display(),
        out.status
    );
    assert!(
        stdout.lines().any(|l| l == "ok"),
        "{} did not print ok:\n{stdout}\n{stderr}",
        binary.display()
    );
    if !stdout.trim().eq("ok") {
        // Notes such as a skipped IPv6 check.
        eprintln!("{}: {}", binary.display(), stdout.trim());
    }
    out
}

fn shared_lib() -> PathBuf {
    let so = root().join("build/libmongoose.so");
    assert!(so.exists(), "build/libmongoose.so is missing: run `make`");
    so
}

/// The shared libraries a binary or library needs (readelf -d NEEDED).
fn needed_libs(path: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(path)
        .output()
        .expect("run readelf");
    assert!(out.status.success(), "readelf -d {} failed", path.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| {
            let start = l.find('[')? + 1;
            let end = l.rfind(']')?;
            Some(l[start..end].to_string())
        })
        .collect()
}

/// Is `lib` (a NEEDED soname) part of the C runtime / toolchain?
fn is_system_lib(lib: &str) -> bool {
    [
        "libc.so",
        "libm.so",
        "libpthread.so",
        "libdl.so",
        "librt.so",
        "libgcc_s.so",
        "ld-linux",
    ]
    .iter()
    .any(|p| lib.starts_with(p))
}

/// The names of the functions declared in include/mongoose.h.
fn header_functions() -> BTreeSet<String> {
    let header = std::fs::read_to_string(root().join("include/mongoose.h")).unwrap();
    // Drop /* ... */ and // comments first.
    let mut code = String::new();
    let mut rest = header.as_str();
    while let Some(i) = rest.find("/*") {
        code.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    code.push_str(rest);
    let mut names = BTreeSet::new();
    for line in code.lines() {
        let l = line.split("//").next().unwrap().trim_start();
        if l.starts_with("typedef") || l.starts_with('#') {
            continue;
        }
        // `<type> [*]mg_name(` declares a function.
        if let Some(paren) = l.find('(') {
            let before = &l[..paren];
            let name = before
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            if name.starts_with("mg_") && before.len() > name.len() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

/// Defined dynamic symbols of a shared library, as (type letter, name).
fn dynamic_symbols(so: &Path) -> Vec<(String, String)> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(so)
        .output()
        .expect("run nm");
    assert!(out.status.success(), "nm -D failed on {}", so.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().rev();
            let name = f.next()?.to_string();
            let kind = f.next()?.to_string();
            Some((kind, name))
        })
        .collect()
}

#[test]
fn layout_with_cc() {
    let bin = compile_c("layout", &[]);
    run_ok(&bin, &[]);
}

#[test]
fn layout_with_clang() {
    if !have("clang") {
        eprintln!("note: clang not installed; layout.c checked with cc only");
        return;
    }
    let bin = compile_with("clang", "layout", &[]);
    run_ok(&bin, &[]);
}

/// The ILP32 branch of layout.c (and other ABIs), checked with clang's
/// cross-targets and stand-in libc headers: syntax only, nothing is linked.
#[test]
fn layout_other_abis_with_clang() {
    if !have("clang") {
        eprintln!("note: clang not installed; ILP32 layout not checked");
        return;
    }
    let shim = root().join("target/ctests/shim-libc");
    std::fs::create_dir_all(&shim).unwrap();
    std::fs::write(
        shim.join("stdio.h"),
        "typedef struct _FILE FILE;\nint printf(const char *, ...);\n",
    )
    .unwrap();
    std::fs::write(
        shim.join("string.h"),
        "#include <stddef.h>\nint strcmp(const char *, const char *);\n",
    )
    .unwrap();
    for target in [
        "i386-linux-gnu",
        "armv7-linux-gnueabihf",
        "aarch64-linux-gnu",
        "x86_64-linux-gnu",
    ] {
        let status = Command::new("clang")
            .args(["-target", target, "-nostdlibinc", "-fsyntax-only"])
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror"])
            .arg("-isystem")
            .arg(&shim)
            .arg("-I")
            .arg(root().join("include"))
            .arg(root().join("tests/c/layout.c"))
            .status()
            .expect("run clang");
        assert!(status.success(), "layout.c fails for target {target}");
    }
}

#[test]
fn header_from_cpp() {
    assert!(have("g++"), "g++ is required for the C++ header test");
    let bin = compile_with("g++", "tests/c/header_cpp.cc", &[]);
    run_ok(&bin, &[]);
}

#[test]
fn options_from_c() {
    let bin = compile_c("options_test", &[]);
    run_ok(&bin, &[]);
}

#[test]
fn every_function_accepts_null_arguments() {
    let bin = compile_c("null_args", &[]);
    run_ok(&bin, &[]);
}

/// A program linked with build/libmongoose.a needs nothing but the system
/// libraries (the link line is only `libmongoose.a -lpthread -ldl -lm`).
#[test]
fn static_library_needs_only_system_libraries() {
    let bin = compile_c("options_test", &[]);
    let needed = needed_libs(&bin);
    assert!(
        !needed.is_empty(),
        "expected a dynamically linked test binary"
    );
    for lib in &needed {
        assert!(
            is_system_lib(lib),
            "{} needs non-system library {lib}",
            bin.display()
        );
    }
    let so_needed = needed_libs(&shared_lib());
    for lib in &so_needed {
        assert!(
            is_system_lib(lib),
            "libmongoose.so needs non-system library {lib}"
        );
    }
}

#[test]
fn shared_library_exports_the_api() {
    let syms = dynamic_symbols(&shared_lib());
    let exported: BTreeSet<&str> = syms
        .iter()
        .filter(|(k, _)| k == "T" || k == "W")
        .map(|(_, n)| n.as_str())
        .collect();
    for name in ["mg_create_server", "mg_printf"] {
        assert!(
            exported.contains(name),
            "libmongoose.so does not export {name}"
        );
    }
    let declared = header_functions();
    assert!(
        declared.len() > 25,
        "could not parse the header: {declared:?}"
    );
    eprintln!(
        "mongoose.h declares {} functions: {declared:?}",
        declared.len()
    );
    let missing: Vec<&String> = declared
        .iter()
        .filter(|n| !exported.contains(n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "declared in mongoose.h but not exported: {missing:?}"
    );
    // The version script keeps Rust and libc internals private.
    let foreign: Vec<&String> = syms
        .iter()
        .map(|(_, n)| n)
        .filter(|n| !n.starts_with("mg_"))
        .collect();
    assert!(foreign.is_empty(), "non-API symbols exported: {foreign:?}");
}

/// C tools read build/libmongoose.a like any C library: no object carries
/// LLVM bitcode (with clang's LLVM plugin installed, nm, ar and ld.bfd
/// read such objects through it and fail: `nm -g` then lists none of the
/// API), and `nm -g --defined-only` shows every function of the header,
/// the C shim's variadic ones included, as a text symbol.
#[test]
fn static_library_is_plain_objects_defining_the_api() {
    let lib = static_lib();
    let out = Command::new("readelf")
        .args(["-S", "-W"])
        .arg(&lib)
        .output()
        .expect("run readelf");
    assert!(
        out.status.success(),
        "readelf -S failed on {}",
        lib.display()
    );
    let sections = String::from_utf8_lossy(&out.stdout);
    let mut member = "";
    let mut bitcode = BTreeSet::new();
    for line in sections.lines() {
        if let Some(m) = line.strip_prefix("File: ") {
            member = m;
        } else if line.contains(" .llvmbc ") || line.contains(" .llvmcmd ") {
            bitcode.insert(member);
        }
    }
    assert!(
        bitcode.is_empty(),
        "objects with embedded LLVM bitcode: {bitcode:?}"
    );

    let out = Command::new("nm")
        .args(["-g", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("run nm");
    assert!(
        out.status.success(),
        "nm -g failed on {}:\n{}",
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut kinds: Vec<(String, String)> = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut f = line.split_whitespace().rev();
        if let (Some(name), Some(kind)) = (f.next(), f.next()) {
            kinds.push((name.to_string(), kind.to_string()));
        }
    }
    let declared = header_functions();
    assert!(
        declared.len() > 25 && declared.contains("mg_printf"),
        "could not parse the header: {declared:?}"
    );
    let not_text: Vec<String> = declared
        .iter()
        .filter(|name| !kinds.iter().any(|(n, k)| n == *name && k == "T"))
        .map(|name| {
            let seen: Vec<&str> = kinds
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, k)| k.as_str())
                .collect();
            format!("{name} {seen:?}")
        })
        .collect();
    assert!(
        not_text.is_empty(),
        "header functions that `nm -g --defined-only` does not show as T \
         (with the symbol types it shows instead): {not_text:?}"
    );
}

#[test]
fn program_linked_against_shared_library_runs() {
    let so = shared_lib();
    let build = so.parent().unwrap().to_path_buf();
    let out_dir = root().join("target/ctests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let bin = out_dir.join("options_test-shared");
    let status = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-g"])
        .arg("-I")
        .arg(root().join("include"))
        .arg(root().join("tests/c/options_test.c"))
        .arg("-L")
        .arg(&build)
        .args(["-lmongoose", "-o"])
        .arg(&bin)
        .status()
        .expect("run cc");
    assert!(
        status.success(),
        "linking options_test against libmongoose.so failed"
    );
    let needed = needed_libs(&bin);
    assert!(
        needed.iter().any(|l| l == "libmongoose.so"),
        "binary does not use the shared library: {needed:?}"
    );
    run_ok(&bin, &[("LD_LIBRARY_PATH", build)]);
}

#[test]
fn pkg_config_file() {
    let pc = root().join("build/mongoose.pc");
    assert!(pc.exists(), "build/mongoose.pc is missing: run `make`");
    let text = std::fs::read_to_string(&pc).unwrap();
    assert!(
        text.lines()
            .any(|l| l.trim_end() == "Libs: -L${libdir} -lmongoose"),
        "mongoose.pc lacks `Libs: -L${{libdir}} -lmongoose`:\n{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("Cflags:")),
        "mongoose.pc lacks Cflags:\n{text}"
    );
    assert!(
        text.lines().any(|l| l.trim_end() == "Version: 5.4"),
        "mongoose.pc version:\n{text}"
    );
    if have("pkg-config") {
        let out = Command::new("pkg-config")
            .args(["--libs", "mongoose"])
            .env("PKG_CONFIG_PATH", pc.parent().unwrap())
            .output()
            .expect("run pkg-config");
        assert!(out.status.success(), "pkg-config rejects mongoose.pc");
        let libs = String::from_utf8_lossy(&out.stdout);
        assert!(
            libs.contains("-lmongoose"),
            "pkg-config --libs mongoose: {libs}"
        );
    }
}

/// `make install` puts the libraries, header, pkg-config file and the
/// footprint linker script under DESTDIR/PREFIX, and a program builds from
/// the installed files alone with the README's footprint recipe.
#[test]
fn make_install_and_the_footprint_recipe() {
    let dest = std::env::temp_dir().join(format!("mg-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dest);
    succeed(
        Command::new("make")
            .args(["-s", "install", "PREFIX=/opt/mg"])
            .arg(format!("DESTDIR={}", dest.display()))
            .current_dir(root()),
        "make install",
    );
    let prefix = dest.join("opt/mg");
    for file in [
        "lib/libmongoose.a",
        "lib/libmongoose.so",
        "lib/pkgconfig/mongoose.pc",
        "include/mongoose.h",
        "share/mongoose/footprint.ld",
    ] {
        assert!(prefix.join(file).is_file(), "{file} not installed");
    }
    let pc = std::fs::read_to_string(prefix.join("lib/pkgconfig/mongoose.pc")).unwrap();
    assert!(pc.lines().any(|l| l == "prefix=/opt/mg"), "{pc}");

    let bin = dest.join("hello_world");
    succeed(
        Command::new("cc")
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-I"])
            .arg(prefix.join("include"))
            .arg(root().join("c_examples/hello_world.c"))
            .arg(prefix.join("lib/libmongoose.a"))
            .args(["-Wl,--gc-sections", "-static-libgcc"])
            .arg(format!(
                "-Wl,-T,{}",
                prefix.join("share/mongoose/footprint.ld").display()
            ))
            .args(["-lpthread", "-ldl", "-lm", "-o"])
            .arg(&bin),
        "the footprint build",
    );
    let s = Server::start(&bin, &["0"]);
    let mut conn = s.connect();
    let r = get(&mut conn, "/installed");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("[/installed]"), "{}", r.text());
    drop(conn);
    s.stop();
    let _ = std::fs::remove_dir_all(&dest);
}

/// Runs `cmd` and fails the test, with its stderr, unless it succeeds.
fn succeed(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
