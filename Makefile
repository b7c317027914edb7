# Mongoose 5.4-compatible embedded web server in Rust.
#
#   make              build/libmongoose.a, build/libmongoose.so,
#                     build/mongoose.pc and build/examples/*
#   make run          build and start build/mongoose serving the current
#                     directory on 127.0.0.1:8080, this machine only
#                     (PORT=..., DIR=..., HOST=0.0.0.0 to publish it,
#                     ARGS="-flag value ..." for more server flags)
#   make bench        benchmarks against nginx (needs wrk and nginx)
#   make soak         10 minutes of mixed traffic, checking that memory and
#                     descriptors stay flat (SOAK_SECONDS=... to shorten)
#   make test         build, then run every test (Rust unit tests, C programs
#                     driven over loopback, header and lint checks)
#   make install PREFIX=/usr/local
#   make clean

PREFIX   ?= /usr/local
CC       ?= cc
CARGO    ?= cargo
OBJCOPY  ?= objcopy
BUILD    := build
CFLAGS   ?= -O2 -g
WARN     := -std=c99 -Wall -Wextra -Werror
LIBS     := -lpthread -ldl -lm
# Smallest footprint for programs linking libmongoose.a: drop the unused
# parts of the Rust standard library (--gc-sections), link the unwinder
# statically instead of mapping libgcc_s.so, and keep never-run code out
# of the resident pages (src/shim/footprint.ld; README, "Memory footprint").
SMALL    := -Wl,--gc-sections -static-libgcc -Wl,-T,src/shim/footprint.ld
EXAMPLES := $(patsubst c_examples/%.c,$(BUILD)/examples/%,$(wildcard c_examples/*.c))
PORT     ?= 8080
# `make run` listens on loopback only: a checkout holds .git/ and the like.
HOST     ?= 127.0.0.1
# Where cargo puts its output (honours CARGO_TARGET_DIR).
TARGET   := $(or $(CARGO_TARGET_DIR),target)
# `make SMALL_STD=1`: link a standard library rebuilt without its backtrace
# symbolizer (DWARF reader, demangler, decompressor: ~220 KB of every
# program's code, which only RUST_BACKTRACE=1 after a panic would run).
# Panics still unwind and are still caught at every exported function.
# Needs nightly cargo (-Zbuild-std): `rustup toolchain install nightly`
# and `rustup component add rust-src --toolchain nightly`. README,
# "Memory footprint".
ifeq ($(SMALL_STD),1)
HOST      := $(shell rustc -vV | sed -n 's/^host: //p')
LIB_BUILD := $(CARGO) +nightly rustc --release --lib --crate-type staticlib --target $(HOST) \
             -Zbuild-std=std,panic_unwind -Zbuild-std-features=panic-unwind
LIB_OUT   := $(TARGET)/$(HOST)/release/libmongoose.a
else
LIB_BUILD := $(CARGO) rustc --release --lib --crate-type staticlib
LIB_OUT   := $(TARGET)/release/libmongoose.a
endif

.PHONY: all lib run test bench soak lint header check-header install clean FORCE

all: lib $(BUILD)/libmongoose.so $(BUILD)/mongoose.pc $(EXAMPLES) $(BUILD)/mongoose

lib: $(BUILD)/libmongoose.a

# cargo decides what to rebuild; the copy only changes when the library does.
# `cargo rustc --crate-type staticlib` rather than `cargo build`: for a
# crate that is also an rlib (the tests and fuzz targets use it) cargo
# silently skips the profile's LTO, and LTO across the standard library is
# what drops its unused code from the archive.
# The copy into build/ holds plain native objects: the standard library's
# precompiled objects carry LLVM bitcode (.llvmbc), which makes nm, ar and
# ld.bfd read them through the LLVM plugin when one is installed (clang's),
# and fail. Their DWARF goes too: it was most of the archive's size, and
# our own code is built without debug information anyway.
$(BUILD)/libmongoose.a: FORCE
	$(LIB_BUILD)
	@mkdir -p $(BUILD)
	@$(OBJCOPY) --remove-section=.llvmbc --remove-section=.llvmcmd --strip-debug \
	  $(LIB_OUT) $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# A cdylib would not export the C shim's symbols: build the shared library
# from the static one, exporting only the mg_* API.
$(BUILD)/libmongoose.so: $(BUILD)/libmongoose.a src/shim/exports.map
	$(CC) -shared -o $@ -Wl,-soname,libmongoose.so -Wl,--version-script=src/shim/exports.map -Wl,--gc-sections \
	  -Wl,--whole-archive $(BUILD)/libmongoose.a -Wl,--no-whole-archive $(LIBS)

$(BUILD)/mongoose.pc: Makefile
	@mkdir -p $(BUILD)
	@printf '%s\n' \
	  'prefix=$(PREFIX)' \
	  'libdir=$${prefix}/lib' \
	  'includedir=$${prefix}/include' \
	  '' \
	  'Name: mongoose' \
	  'Description: Mongoose 5.4-compatible embedded web server library' \
	  'Version: 5.4' \
	  'Libs: -L$${libdir} -lmongoose' \
	  'Libs.private: $(LIBS)' \
	  'Cflags: -I$${includedir}' > $@

$(BUILD)/examples/%: c_examples/%.c $(BUILD)/libmongoose.a include/mongoose.h src/shim/footprint.ld
	@mkdir -p $(BUILD)/examples
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -Iinclude $< $(BUILD)/libmongoose.a $(SMALL) $(LIBS) -o $@

# The standalone web server (c_examples/web_server.c).
$(BUILD)/mongoose: $(BUILD)/examples/web_server
	cp $< $@

# Serve the current directory (or DIR=...) with the standalone server, to
# this machine only unless HOST says otherwise (HOST=0.0.0.0: everyone).
DIR ?= .
run: all
	./$(BUILD)/mongoose -document_root $(DIR) -listening_port $(HOST):$(PORT) $(ARGS)

# Benchmarks against nginx (bench/README.md). Installs nothing: run.py
# checks for wrk and nginx and says how to install them when missing.
bench: all
	python3 bench/run.py $(BENCH_ARGS)

# Mixed traffic against build/mongoose, websocket_echo and file_upload for
# SOAK_SECONDS (bench/soak.py): RSS and descriptors sampled every second
# must stay flat, every well-formed request answered correctly. Writes
# bench/results/soak.{csv,png,md}; exits non-zero on a violated property.
# Not part of `make test`.
SOAK_SECONDS ?= 600
soak: all
	python3 bench/soak.py --seconds $(SOAK_SECONDS)

test: all check-header lint
	$(CARGO) test --release -- --test-threads=4

# The header is generated from the Rust sources by tools/gen-header and
# committed: `make header` after changing an exported function or its doc
# comment; `make check-header` (part of `make test`) fails when it is stale.
header:
	$(CARGO) run --quiet -p gen-header

check-header:
	$(CARGO) run --quiet -p gen-header -- --check

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/share/mongoose
	install -m 644 $(BUILD)/libmongoose.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libmongoose.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/mongoose.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 src/shim/footprint.ld $(DESTDIR)$(PREFIX)/share/mongoose/
	sed 's|^prefix=.*|prefix=$(PREFIX)|' $(BUILD)/mongoose.pc > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mongoose.pc

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
