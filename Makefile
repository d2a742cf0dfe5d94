# SPDX-License-Identifier: GPL-2.0
# vigil: one binary with its BPF programs embedded as bpftool skeletons.
#
#   make            build ./vigil
#   make check      install what is missing, build, run every test and the benchmarks'
#                   smoke run (as root)
#   make demo       install what is missing, build, profile a bundled workload
#   make V=1        show the commands

OUT       := build
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS    ?= -O2 -g
CFLAGS    += -fno-omit-frame-pointer -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(OUT)
LDLIBS    += -lbpf -lelf -lz -liberty -ldebuginfod -ljson-c -linih -lprotobuf-c -lm -lpthread
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall \
	      -Iinclude -I$(OUT) $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS  := $(filter-out user/main.c,$(wildcard user/*.c))
# C code protoc-c writes from proto/*.proto: the pprof format's messages (pprof.c).
PROTOC_C  ?= protoc-c
PROTOS    := $(wildcard proto/*.proto)
PROTO_SRCS := $(patsubst proto/%.proto,$(OUT)/%.pb-c.c,$(PROTOS))
PROTO_HDRS := $(patsubst proto/%.proto,$(OUT)/%.pb-c.h,$(PROTOS))
PROTO_OBJS := $(patsubst proto/%.proto,$(OUT)/%.pb-c.o,$(PROTOS))
LIB_OBJS  := $(patsubst user/%.c,$(OUT)/%.o,$(LIB_SRCS)) $(PROTO_OBJS)
HDRS      := $(wildcard include/*.h user/*.h)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
WORK_SRCS := $(wildcard tests/workloads/*.c)
WORK_BINS := $(patsubst tests/workloads/%.c,$(OUT)/workloads/%,$(WORK_SRCS))

.PHONY: all clean check unit integration demo deps tests bench soak
.DELETE_ON_ERROR:

all: vigil

# vmlinux.h from the running kernel's BTF when it has one; the committed
# x86_64 copy otherwise. Either way CO-RE relocates field offsets at load.
$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)if [ -r /sys/kernel/btf/vmlinux ] && \
	    $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp; then \
		mv $@.tmp $@; \
	else \
		rm -f $@.tmp; cp bpf/vmlinux_x86_64.h $@; \
	fi

$(OUT)/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.bpf.h) $(HDRS) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Syscall names, from the build machine's own kernel headers.
# The 64-bit table, and the 32-bit one for int $$0x80 calls.
UNISTD := /usr/include/$(MULTIARCH)/asm/unistd_64.h /usr/include/$(MULTIARCH)/asm/unistd_32.h
$(OUT)/syscall_names.h: $(UNISTD) | $(OUT)
	$(call msg,GEN,$@)
	$(Q)awk 'FNR == 1 { t++ } /^#define __NR_[a-z0-9_]+[ \t]+[0-9]+/ { \
		printf "SYSCALL%d(%s, \"%s\")\n", t == 1 ? 64 : 32, $$3, substr($$2, 6) }' \
		$(UNISTD) > $@.tmp && mv $@.tmp $@

# One protoc-c run writes both files (a pattern rule's targets are made together); they are
# kept after the build, not removed as intermediates: unit tests include the header too.
.SECONDARY: $(PROTO_SRCS) $(PROTO_HDRS)
$(OUT)/%.pb-c.c $(OUT)/%.pb-c.h: proto/%.proto | $(OUT)
	$(call msg,PROTOC,$@)
	$(Q)$(PROTOC_C) --c_out=$(OUT) -Iproto $<

$(OUT)/%.pb-c.o: $(OUT)/%.pb-c.c $(OUT)/%.pb-c.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The flame graph's script, as a C string for flame.c to embed in each SVG.
$(OUT)/flame_js.h: user/flame.js Makefile | $(OUT)
	$(call msg,GEN,$@)
	$(Q)awk 'BEGIN { print "static const char flame_js[] =" } \
		{ gsub(/\\/, "&&"); gsub(/"/, "\\\""); printf "\t\"%s\\n\"\n", $$0 } \
		END { print "\t;" }' $< > $@.tmp && mv $@.tmp $@

$(OUT)/flame.o: $(OUT)/flame_js.h

$(OUT)/%.o: user/%.c $(HDRS) $(SKELS) $(OUT)/syscall_names.h $(PROTO_HDRS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libvigil.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

vigil: $(OUT)/main.o $(OUT)/libvigil.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/unit/%.c $(OUT)/libvigil.a $(PROTO_HDRS) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser $< $(OUT)/libvigil.a $(LDLIBS) -lcmocka -o $@

# Workloads keep frame pointers and symbols: the tests name their frames.
$(OUT)/workloads/%: tests/workloads/%.c | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 -g -fno-omit-frame-pointer -fno-inline -Wall -Wextra \
		$< -o $@ -lpthread -lm

# Benchmarks of vigil's own parts, run by `make bench`.
$(OUT)/bench/%: tests/bench/%.c $(OUT)/libvigil.a | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser $< $(OUT)/libvigil.a $(LDLIBS) -o $@

-include tests/workloads/extra.mk
-include tests/unit/fixtures.mk

$(OUT) $(OUT)/tests $(OUT)/workloads $(OUT)/bench:
	$(Q)mkdir -p $@

tests: vigil $(UNIT_BINS) $(UNIT_EXTRA) $(WORK_BINS) $(WORK_EXTRA)

deps:
	$(Q)scripts/install-deps.sh

unit: $(UNIT_BINS) $(UNIT_EXTRA)
	$(Q)scripts/run-unit.sh $(UNIT_BINS)

integration: vigil $(WORK_BINS) $(WORK_EXTRA)
	$(Q)tests/integration/run.sh

# The README's test command: everything from nothing.
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)if [ "$${VIGIL_SKIP_KERNEL_TESTS:-0}" = 1 ]; then \
		echo "bench-smoke: skipped, as VIGIL_SKIP_KERNEL_TESTS=1 asks (it loads BPF programs)"; \
	else \
		$(MAKE) --no-print-directory bench-smoke; \
	fi

# The README's demo command: profile a bundled workload system-wide.
demo: deps
	$(Q)$(MAKE) --no-print-directory vigil $(OUT)/workloads/demo_work
	$(Q)scripts/demo.sh

# An hour of vigil agent under process churn (SOAK_SECONDS to change it).
SOAK_SECONDS ?= 3600
soak: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)scripts/soak.sh $(SOAK_SECONDS)

# vigil against perf, bpftrace, libbpf-tools and empty BPF programs (issue 8): writes
# BENCHMARKS.md, about 6 minutes (BENCH_ROUNDS=3: 4). bench-smoke: each case once, tiny, checked.
-include tests/bench/bench.mk

.PHONY: bench-smoke
bench bench-smoke: deps
	$(Q)scripts/bench/install-anchors.sh
	$(Q)$(MAKE) --no-print-directory -s vigil $(BENCH_BINS)
	$(Q)scripts/bench/run.sh $(if $(filter bench-smoke,$@),--smoke) \
		$(if $(BENCH_ROUNDS),--rounds $(BENCH_ROUNDS))

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUT) vigil
