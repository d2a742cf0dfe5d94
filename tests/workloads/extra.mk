# SPDX-License-Identifier: GPL-2.0
# Workloads that need more than one source file: a shared library and a PIE
# linked against it (found at run time through $ORIGIN), for the tests that
# name frames in shared objects and position-independent executables.

WORK_CFLAGS := -O1 -g -fno-omit-frame-pointer -fno-inline -Wall -Wextra

$(OUT)/workloads/libhotlib.so: tests/workloads/lib/hotlib.c | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) -fPIC -shared $< -o $@

$(OUT)/workloads/uselib: tests/workloads/lib/uselib.c \
			 $(OUT)/workloads/libhotlib.so | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) -fPIE -pie $< -o $@ \
		-L$(OUT)/workloads -lhotlib -Wl,-rpath,'$$ORIGIN'

WORK_EXTRA += $(OUT)/workloads/libhotlib.so $(OUT)/workloads/uselib

# Two programs with one layout: non-PIE, so both load at the same address.
$(OUT)/workloads/prog_a $(OUT)/workloads/prog_b: \
		$(OUT)/workloads/prog_%: tests/workloads/lifecycle/prog_%.c \
		tests/workloads/lifecycle/burn.h | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) -fno-pie -no-pie $< -o $@

$(OUT)/workloads/forker: tests/workloads/lifecycle/burn.h

WORK_EXTRA += $(OUT)/workloads/prog_a $(OUT)/workloads/prog_b

# C++ frames for the demangling tests: g++, with the C workloads' flags.
CXX ?= g++

$(OUT)/workloads/cxx_box: tests/workloads/cxx_box.cpp | $(OUT)/workloads
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(WORK_CFLAGS) $< -o $@

WORK_EXTRA += $(OUT)/workloads/cxx_box

# Loads BPF programs of raw instructions with libbpf, for the kernel-frame tests.
$(OUT)/workloads/bpf_spin: tests/workloads/bpf_spin.c | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) $< -o $@ -lbpf

# Exports its global functions (-rdynamic) and keeps their order, for the
# tests that strip a copy of it down to .dynsym.
$(OUT)/workloads/strip_hot: tests/workloads/strip_hot.c | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) -rdynamic -fno-toplevel-reorder $< -o $@

# A library dlopen()ed late, from the folder of the program.
$(OUT)/workloads/latelib: tests/workloads/lib/latelib.c tests/workloads/lifecycle/burn.h \
			  $(OUT)/workloads/libhotlib.so | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) $< -o $@ -ldl

WORK_EXTRA += $(OUT)/workloads/latelib

# For vigil trace: libtick.so, whose lib_tick() tick_caller calls K times
# (two callers at once, one traced with -p), found through $ORIGIN.
$(OUT)/workloads/libtick.so: tests/workloads/lib/tick.c | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) -fPIC -shared $< -o $@

$(OUT)/workloads/tick_caller: tests/workloads/lib/tick_caller.c tests/workloads/lib/wait_file.h \
			      $(OUT)/workloads/libtick.so | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) $< -o $@ -L$(OUT)/workloads -ltick -Wl,-rpath,'$$ORIGIN'

WORK_EXTRA += $(OUT)/workloads/libtick.so $(OUT)/workloads/tick_caller

# USDT probes from sys/sdt.h (systemtap-sdt-dev): vtest:tick without a
# semaphore and vtest:tock with one. sys/sdt.h gives semaphores to all the
# probes of a translation unit or to none, hence two files.
USDT_SRCS := tests/workloads/usdt/usdt_prog.c tests/workloads/usdt/tick.c

$(OUT)/workloads/usdt_prog: $(USDT_SRCS) tests/workloads/usdt/usdt_prog.h \
			    tests/workloads/lib/wait_file.h | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORK_CFLAGS) $(USDT_SRCS) -o $@

WORK_EXTRA += $(OUT)/workloads/usdt_prog

# Built at -O2, where GCC splits a function's unlikely branch into a
# FUNC.cold part: a workload for the test that such parts are never probed.
$(OUT)/workloads/hot_cold: tests/workloads/cold/hot_cold.c | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -fno-omit-frame-pointer -Wall -Wextra $< -o $@

WORK_EXTRA += $(OUT)/workloads/hot_cold
