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
		       $(FIXTURE_DIR)/libfix_stripped.full.so \
		       $(FIXTURE_DIR)/libfix_variant_aa.so $(FIXTURE_DIR)/libfix_variant_bb.so \
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

# One source, two builds (without -g, whose DWARF would hold the name) that
# share a build id but not a static function's name.
$(FIXTURE_DIR)/libfix_variant_aa.so $(FIXTURE_DIR)/libfix_variant_bb.so: \
		$(FIXTURE_DIR)/libfix_variant_%.so: $(FIXTURE_SRC)/fix_variant.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -g0 -DVARIANT_STATIC=fix_variant_$* $< -o $@

$(FIXTURE_DIR):
	$(Q)mkdir -p $@

$(OUT)/tests/test_symbolizer: $(SYMBOLIZER_FIXTURES)
UNIT_EXTRA += $(SYMBOLIZER_FIXTURES)
$(OUT)/tests/test_asm_symbols: $(FIXTURE_DIR)/libfix_asm.so
$(OUT)/tests/test_pprof: $(FIXTURE_DIR)/libfix_stripped.so
UNIT_EXTRA += $(FIXTURE_DIR)/libfix_asm.so

# ------------------------------------------------------------------------
# Separate debug files, for test_debuginfo: one library built once,
# stripped into copies that differ only in their .gnu_debuglink, each
# linked to a copy of its debug file (objcopy --only-keep-debug):
#
#   libfix_dbg.debug          the debug file; found by build id from a
#                             folder the test makes
#   libfix_dbg_id.so          no .gnu_debuglink
#   libfix_dbg_link.so        -> libfix_dbg_link.debug, in the same folder
#   libfix_dbg_sub.so         -> .debug/libfix_dbg_sub.debug
#   libfix_dbg_dirlink.so     -> libfix_dbg_dirlink.debug, kept in elsewhere/;
#                             the test puts it under DEBUGDIR/<this folder>/
#   libfix_dbg_badcrc.so      -> libfix_dbg_badcrc.debug, changed after
#                             the link took its CRC
#   libfix_dbg_other.debug    the debug file of another build (another
#                             build id) whose code lies at the same addresses

DEBUG_FIXTURES := $(addprefix $(FIXTURE_DIR)/,libfix_dbg.debug libfix_dbg_id.so \
		  libfix_dbg_link.so libfix_dbg_link.debug \
		  libfix_dbg_sub.so .debug/libfix_dbg_sub.debug \
		  libfix_dbg_dirlink.so elsewhere/libfix_dbg_dirlink.debug \
		  libfix_dbg_badcrc.so libfix_dbg_badcrc.debug libfix_dbg_other.debug)

$(FIXTURE_DIR)/libfix_dbg.full.so: $(FIXTURE_SRC)/fix_debug.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $< -o $@

$(FIXTURE_DIR)/libfix_dbg_other.full.so: $(FIXTURE_SRC)/fix_debug.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -DFIX_DEBUG_OTHER $< -o $@

$(FIXTURE_DIR)/libfix_dbg.debug $(FIXTURE_DIR)/libfix_dbg_other.debug: \
$(FIXTURE_DIR)/%.debug: $(FIXTURE_DIR)/%.full.so
	$(call msg,OBJCOPY,$@)
	$(Q)objcopy --only-keep-debug $< $@

$(FIXTURE_DIR)/libfix_dbg_id.so: $(FIXTURE_DIR)/libfix_dbg.full.so
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all -o $@ $<

# A copy of the debug file under the name a stripped copy links to.
$(FIXTURE_DIR)/libfix_dbg_link.debug $(FIXTURE_DIR)/.debug/libfix_dbg_sub.debug \
$(FIXTURE_DIR)/elsewhere/libfix_dbg_dirlink.debug: $(FIXTURE_DIR)/libfix_dbg.debug
	$(call msg,CP,$@)
	$(Q)mkdir -p $(@D) && cp $< $@

# strip_and_link DEBUG: strip the library to $@, linked to DEBUG (objcopy takes its CRC).
define strip_and_link
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all -o $@.tmp $(FIXTURE_DIR)/libfix_dbg.full.so
	$(Q)objcopy --add-gnu-debuglink=$(1) $@.tmp $@ && rm -f $@.tmp
endef

$(FIXTURE_DIR)/libfix_dbg_link.so: $(FIXTURE_DIR)/libfix_dbg_link.debug \
				   $(FIXTURE_DIR)/libfix_dbg.full.so
	$(call strip_and_link,$<)

$(FIXTURE_DIR)/libfix_dbg_sub.so: $(FIXTURE_DIR)/.debug/libfix_dbg_sub.debug \
				  $(FIXTURE_DIR)/libfix_dbg.full.so
	$(call strip_and_link,$<)

$(FIXTURE_DIR)/libfix_dbg_dirlink.so: $(FIXTURE_DIR)/elsewhere/libfix_dbg_dirlink.debug \
				      $(FIXTURE_DIR)/libfix_dbg.full.so
	$(call strip_and_link,$<)

# The link's CRC is the good debug file's; the file it names is then one
# byte longer (still ELF, the same symbols), so its CRC differs.
$(FIXTURE_DIR)/libfix_dbg_badcrc.so $(FIXTURE_DIR)/libfix_dbg_badcrc.debug &: \
		$(FIXTURE_DIR)/libfix_dbg.debug $(FIXTURE_DIR)/libfix_dbg.full.so
	$(Q)cp $(FIXTURE_DIR)/libfix_dbg.debug $(FIXTURE_DIR)/libfix_dbg_badcrc.debug
	$(call strip_and_link,$(FIXTURE_DIR)/libfix_dbg_badcrc.debug)
	$(Q)printf '\0' >>$(FIXTURE_DIR)/libfix_dbg_badcrc.debug

$(OUT)/tests/test_debuginfo: $(DEBUG_FIXTURES)
UNIT_EXTRA += $(DEBUG_FIXTURES)
