# SPDX-License-Identifier: GPL-2.0
# The benchmarks' programs (make bench, scripts/bench/run.sh): the contenders' harness, the
# floor (empty BPF programs), and the workloads, built with frame pointers and kept apart.
# build/bench/symbolize and build/bench/fold link libvigil.a by the Makefile's own rule.

BENCH_WORK_CFLAGS := -O1 -g -fno-omit-frame-pointer -fno-inline -fno-optimize-sibling-calls \
		     -fno-ipa-icf -Wall -Wextra
BENCH_WORK := $(addprefix $(OUT)/bench/,stacks pingpong hotcall sysloop)
BENCH_BINS := $(OUT)/bench/bench_run $(OUT)/bench/floor $(OUT)/bench/symbolize \
	      $(OUT)/bench/fold $(BENCH_WORK)

$(BENCH_WORK): $(OUT)/bench/%: tests/bench/%.c tests/bench/bench.h | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_WORK_CFLAGS) $< -o $@ -lpthread

$(OUT)/bench/bench_run: tests/bench/bench_run.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lbpf

$(OUT)/bench/floor.bpf.o: tests/bench/floor.bpf.c | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(OUT)/bench/floor.skel.h: $(OUT)/bench/floor.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(OUT)/bench/floor: tests/bench/floor.c $(OUT)/bench/floor.skel.h | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUT)/bench $< -o $@ -lbpf -lelf -lz
