# SPDX-License-Identifier: GPL-2.0
# fixtures.mk: the shared libraries test_symbolizer dlopens, built into $(OUT)/fixtures/.
#
# Include after OUT, CC, Q and msg are defined and after the first rule, so
# that `all` stays the default goal.

FIXTURE_DIR    := $(OUT)/fixtures
FIXTURE_SRC    := tests/unit/fixtures
# Order kept (the stripped library's test relies on it), build ids always written.
FIXTURE_CFLAGS := -O2 -g -fPIC -shared -fno-toplevel-reorder -fno-reorder-functions \
		  -Wall -Wextra -Wl,--build-id=sha1

SYMBOLIZER_FIXTURES := $(FIXTURE_DIR)/libfix_plain.so $(FIXTURE_DIR)/libfix_plain_copy.so \
		       $(FIXTURE_DIR)/libfix_lld.so $(FIXTURE_DIR)/libfix_stripped.so

$(FIXTURE_DIR)/libfix_plain.so: $(FIXTURE_SRC)/fix_plain.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $< -o $@

# A second file (another inode) with the same contents and build id.
$(FIXTURE_DIR)/libfix_plain_copy.so: $(FIXTURE_DIR)/libfix_plain.so
	$(call msg,CP,$@)
	$(Q)cp $< $@

# lld places the code segment at p_vaddr = p_offset + a page or more.
$(FIXTURE_DIR)/libfix_lld.so: $(FIXTURE_SRC)/fix_lld.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fuse-ld=lld $< -o $@

$(FIXTURE_DIR)/libfix_stripped.full.so: $(FIXTURE_SRC)/fix_stripped.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $< -o $@

# Only .dynsym is left.
$(FIXTURE_DIR)/libfix_stripped.so: $(FIXTURE_DIR)/libfix_stripped.full.so
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all -o $@ $<

# Hand-written assembly: functions without .size, one alone in its section.
$(FIXTURE_DIR)/libfix_asm.so: $(FIXTURE_SRC)/fix_asm.S | $(FIXTURE_DIR)
	$(call msg,AS,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $< -o $@

$(FIXTURE_DIR):
	$(Q)mkdir -p $@

$(OUT)/tests/test_symbolizer: $(SYMBOLIZER_FIXTURES)
UNIT_EXTRA += $(SYMBOLIZER_FIXTURES)
$(OUT)/tests/test_asm_symbols: $(FIXTURE_DIR)/libfix_asm.so
UNIT_EXTRA += $(FIXTURE_DIR)/libfix_asm.so
