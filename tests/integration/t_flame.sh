# SPDX-License-Identifier: GPL-2.0
# Integration tests of the SVG flame graphs (user/flame.h's document
# contract): `vigil flamegraph` and `vigil diff` on folded stacks of known
# values, the SVGs read back with python3 (tests/integration/flame_svg.py)
# and driven in real headless Chromium (tests/js/flame-browser.js). No
# kernel is needed, but the browser is: a missing Chromium fails them.
# Sourced by run.sh, which defines T and the helpers.
# shellcheck shell=bash disable=SC2154

FLAME_SVG=${FLAME_SVG:-tests/integration/flame_svg.py}

# flame_folded FILE: ten stacks of exact values, 570 in all, whose names hold
# what SVG must escape (<, &, >, ") and what a regular expression must
# escape (. * + ? ^ $ ( ) [ ] { } |), a space, and frames of one name under
# several parents: memcpy under Parser (30) and checksum_table (11).
flame_folded()
{
	cat >"$1" <<'EOF'
server;main;handle_request;Parser<&Buf::get>::run;memcpy 30
server;main;handle_request;compress_chunk;checksum 120
server;main;handle_request;compress_chunk;deflate 200
server;main;handle_request;compress_chunk;checksum;checksum_fold 9
server;main;handle_request;write_reply(a|b) 50
server;main;idle.{{closure}}$1^* 100
server;main;checksum_table;memcpy 11
server;[unknown] 4
server;operator<<(std::ostream&, Foo const&);std::vector<int>::operator[] 20
server;operator<<(std::ostream&, Foo const&);checksum "quoted"?+ 26
EOF
}

# The frames flame_folded's stacks make: all, server, main, handle_request,
# Parser, memcpy, compress_chunk, checksum, checksum_fold, deflate,
# write_reply, idle.{{closure}}$1^*, checksum_table, memcpy, [unknown], operator<<,
# operator[], checksum "quoted"?+.
FLAME_FRAMES=18

# flame_check SVG FOLDED [FLAGS...]: flame_svg.py check, failing the test
# with what it found.
flame_check()
{
	local why

	why=$(python3 "$FLAME_SVG" check "$@" 2>&1) ||
		fail "$(basename "$1") read back against $(basename "$2") ${*:3}: $(head -n 4 <<<"$why" | tr '\n' '|')"
}

# vigil_stdin IN OUT ERR ARGS...: run_vigil with standard input from IN (a
# job in the background reads /dev/null unless told otherwise).
vigil_stdin()
{
	local in=$1 out=$2 err=$3

	shift 3
	"$VIGIL" "$@" <"$in" >"$out" 2>"$err" &
	VIGIL_PID=$!
	track "$VIGIL_PID"
	wait_vigil "$VIGIL_PID" 60 "vigil $* < $(basename "$in")"
}

# The constructed profile's SVG, opened in Chromium: every frame read back
# from the DOM with its name decoded (<&> arrive as they were), hover names
# the frame in #details, a click on handle_request (409 of 570) makes it
# the full width with compress_chunk at 329/409 of it, everything beside it
# class hide, main, server and all class parent, Reset Zoom shown and then
# undoing it all; a search for ^checksum marks the four frames whose name
# starts so and says 29.1% (129 + 11 + 26 = 166 of 570: checksum_fold lies
# within checksum and counts once). A second run zooms into a frame whose
# name is all punctuation and searches for two names full of regular
# expression characters, escaped: 4.2% (20 + 4 of 570). The screenshots are
# kept in $ARTIFACTS/flame/browser and browser-special.
test_flame_browser()
{
	local svg=$T/out/flame.svg search

	flame_folded "$T/in.folded"
	run_vigil "$T/stdout" "$T/err" flamegraph "$T/in.folded" -o "$svg"
	expect_rc 0 "flamegraph in.folded -o flame.svg"
	only_file "$T/out" flame.svg
	[[ ! -s $T/stdout ]] || fail "flamegraph -o FILE wrote to stdout too: $(first_line "$T/stdout")"

	flame_browser "$svg" browser "$(jq -nc --argjson n "$FLAME_FRAMES" '{
		zoom: "handle_request", child: "compress_chunk", search: "^checksum",
		matched: 29.1, hover: "Parser<&Buf::get>::run", frames: $n }')"
	note "$(basename "$svg"): $(stat -c %s "$svg") bytes, loaded in Chromium in $BROWSER_LOAD_MS ms; screenshots in $ARTIFACTS/flame/browser"
	search='^std::vector<int>::operator\[\]$|^\[unknown\]$'
	flame_browser "$svg" browser-special "$(jq -nc --arg s "$search" '{
		zoom: "operator<<(std::ostream&, Foo const&)",
		child: "checksum \"quoted\"?+", search: $s, matched: 4.2,
		hover: "write_reply(a|b)" }')"
}

# The SVG read back with python3's XML parser: one frame per prefix of a
# stack, each of data-v the sum of the folded lines under it (the root "all"
# 570), V/T of the width, within its parent and beside its siblings, drawn
# above its parent; --inverted draws it below, --reverse merges the stacks
# from their leaf (the root's children are then memcpy, of 30 + 11 from its
# two callers, checksum, deflate, ...).
test_flame_parse_back()
{
	local flags name

	flame_folded "$T/in.folded"
	for flags in "" "--inverted" "--reverse" "--inverted --reverse"; do
		name=flame${flags// /}.svg
		# shellcheck disable=SC2086 # the flags are words
		run_vigil "$T/stdout" "$T/err" flamegraph $flags "$T/in.folded" -o "$T/out/$name"
		expect_rc 0 "flamegraph $flags in.folded"
		# shellcheck disable=SC2086
		flame_check "$T/out/$name" "$T/in.folded" $flags
	done
	[[ $(python3 "$FLAME_SVG" root "$T/out/flame.svg") == "570 570 $FLAME_FRAMES 0" ]] ||
		fail "root, total, frames, dropped: $(python3 "$FLAME_SVG" root "$T/out/flame.svg"), expected 570 570 $FLAME_FRAMES 0"
	cmp -s "$T/out/flame.svg" "$T/out/flame--inverted.svg" &&
		fail "--inverted wrote the same SVG as without it"
	cmp -s "$T/out/flame.svg" "$T/out/flame--reverse.svg" &&
		fail "--reverse wrote the same SVG as without it"
	return 0
}

# Folded stacks on standard input make the same SVG as from a file, and
# with no -o the SVG goes to standard output, the same again. The default
# subtitle names the input (the file, or "stdin"), so the comparisons give
# one subtitle of their own; without it, the input's name is there.
test_flame_stdin()
{
	local same=(--subtitle "570 samples")

	flame_folded "$T/in.folded"
	run_vigil "$T/stdout" "$T/err" flamegraph "$T/in.folded" -o "$T/out/file.svg" "${same[@]}"
	expect_rc 0 "flamegraph in.folded -o file.svg"
	vigil_stdin "$T/in.folded" "$T/stdout" "$T/err" flamegraph -o "$T/out/stdin.svg" "${same[@]}"
	expect_rc 0 "flamegraph -o stdin.svg < in.folded"
	[[ ! -s $T/stdout ]] || fail "flamegraph -o FILE < in.folded wrote to stdout too"
	cmp "$T/out/file.svg" "$T/out/stdin.svg" >"$T/cmp" 2>&1 ||
		fail "from stdin, the SVG differs from the file's: $(first_line "$T/cmp")"
	run_vigil "$T/out/stdout.svg" "$T/err" flamegraph "$T/in.folded" "${same[@]}"
	expect_rc 0 "flamegraph in.folded > stdout.svg"
	cmp "$T/out/file.svg" "$T/out/stdout.svg" >"$T/cmp" 2>&1 ||
		fail "on stdout, the SVG differs from -o's: $(first_line "$T/cmp")"
	vigil_stdin "$T/in.folded" "$T/out/pipe.svg" "$T/err" flamegraph "${same[@]}"
	expect_rc 0 "flamegraph < in.folded > pipe.svg"
	cmp "$T/out/file.svg" "$T/out/pipe.svg" >"$T/cmp" 2>&1 ||
		fail "stdin to stdout, the SVG differs from the file's: $(first_line "$T/cmp")"
	flame_check "$T/out/pipe.svg" "$T/in.folded"

	run_vigil "$T/stdout" "$T/err" flamegraph "$T/in.folded" -o "$T/out/named.svg"
	expect_rc 0 "flamegraph in.folded -o named.svg"
	grep -qF "$T/in.folded" "$T/out/named.svg" || fail "the SVG of in.folded does not name it"
	vigil_stdin "$T/in.folded" "$T/stdout" "$T/err" flamegraph -o "$T/out/unnamed.svg"
	expect_rc 0 "flamegraph -o unnamed.svg < in.folded"
	grep -qF "$T/in.folded" "$T/out/unnamed.svg" && fail "the SVG of stdin names a file"
	grep -qw stdin "$T/out/unnamed.svg" || fail "the SVG of stdin does not say stdin"
}

# An option vigil does not have, an input too many: bad usage, exit status
# 2. Input that cannot be read or parsed, an output that cannot be written:
# the command line was right, the run failed, exit status 1 (as for
# profile -o in a missing folder). Either way one "vigil:" line on stderr,
# naming the input at fault, and no output file, not even a temporary one;
# a file already at -o stays as it was.
test_flame_bad_input()
{
	local case in want

	printf 'a;b 3\n' >"$T/good.folded"
	printf 'a;b 3\na;b notanumber\n' >"$T/bad-count.folded"
	printf 'a;b 3\na;b\n' >"$T/no-count.folded"
	while IFS='|' read -r case in want; do
		run_vigil "$T/stdout" "$T/err" flamegraph "$T/$in" -o "$T/out/x.svg"
		expect_rc "$want" "flamegraph $in ($case)"
		one_error_line "$T/err"
		grep -qF "$in" "$T/err" || fail "$case: the error does not name $in: $(first_line "$T/err")"
		empty_dir "$T/out"
	done <<'EOF'
a missing file|missing.folded|1
a count that is no number|bad-count.folded|1
a line without a count|no-count.folded|1
EOF
	vigil_stdin "$T/bad-count.folded" "$T/stdout" "$T/err" flamegraph -o "$T/out/x.svg"
	expect_rc 1 "flamegraph < bad-count.folded"
	one_error_line "$T/err"
	grep -qw stdin "$T/err" || fail "a bad line on stdin: the error does not say stdin: $(first_line "$T/err")"
	empty_dir "$T/out"

	run_vigil "$T/stdout" "$T/err" flamegraph --no-such-option "$T/good.folded" -o "$T/out/x.svg"
	expect_rc 2 "flamegraph --no-such-option"
	one_error_line "$T/err"
	empty_dir "$T/out"
	run_vigil "$T/stdout" "$T/err" flamegraph "$T/good.folded" "$T/good.folded" -o "$T/out/x.svg"
	expect_rc 2 "flamegraph with two inputs"
	one_error_line "$T/err"
	empty_dir "$T/out"

	run_vigil "$T/stdout" "$T/err" flamegraph "$T/good.folded" -o /proc/nonexistent/x.svg
	expect_rc 1 "flamegraph -o /proc/nonexistent/x.svg"
	one_error_line "$T/err"
	[[ ! -s $T/stdout ]] || fail "-o /proc/nonexistent/x.svg: the SVG went to stdout instead"
	run_vigil "$T/stdout" "$T/err" flamegraph "$T/good.folded" -o "$T/out/missing/x.svg"
	expect_rc 1 "flamegraph -o out/missing/x.svg"
	one_error_line "$T/err"
	empty_dir "$T/out"

	echo old >"$T/out/x.svg"
	run_vigil "$T/stdout" "$T/err" flamegraph "$T/bad-count.folded" -o "$T/out/x.svg"
	expect_rc 1 "flamegraph bad-count.folded -o an existing file"
	[[ $(cat "$T/out/x.svg") == old ]] || fail "a refused run changed the file at -o"
	only_file "$T/out" x.svg
}

# big_folded FILE: 100 000 distinct stacks, big;alphaA;betaB;gammaC;deltaD;epsE
# for the decimal digits ABCDE of 0 to 99999, of values 1 to 1000 by a
# fixed formula, every 997th 500 times as much: most leaves are too narrow
# to draw, some are wide.
big_folded()
{
	awk 'BEGIN {
		for (i = 0; i < 100000; i++) {
			v = 1 + (i * 7919) % 1000
			if (i % 997 == 0)
				v *= 500
			printf "big;alpha%d;beta%d;gamma%d;delta%d;eps%d %d\n", int(i / 10000),
				int(i / 1000) % 10, int(i / 100) % 10, int(i / 10) % 10, i % 10, v
		}
	}' >"$1"
}

# A profile of 100 000 distinct stacks: the SVG stays small (frames too
# narrow to see are merged or dropped, their values still counted: the root
# holds the whole total) and Chromium opens it, zooms and searches it. The
# size and the times are printed, not asserted.
test_flame_big()
{
	local svg=$T/out/big.svg total t0 t1 size root search pct

	big_folded "$T/big.folded"
	(($(sort -u "$T/big.folded" | wc -l) == 100000)) || fail "big_folded: not 100000 distinct stacks"
	total=$(folded_total "$T/big.folded")
	t0=$EPOCHREALTIME
	run_vigil "$T/stdout" "$T/err" flamegraph "$T/big.folded" -o "$svg"
	t1=$EPOCHREALTIME
	expect_rc 0 "flamegraph big.folded (100000 stacks)"
	size=$(stat -c %s "$svg")
	read -r -a root <<<"$(python3 "$FLAME_SVG" root "$svg")"
	note "100000 stacks ($(stat -c %s "$T/big.folded") bytes folded): SVG $size bytes, ${root[2]} frames drawn, ${root[3]} of $total samples in frames too narrow to draw; vigil flamegraph $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
	# 417 kB and 2312 frames when first measured; drawing every one of the
	# 111112 frames would take about 20 MB (and Chromium minutes to load)
	((size < 1000000)) || fail "the SVG of 100000 stacks is $size bytes, expected under 1 MB"
	[[ ${root[0]} == "$total" && ${root[1]} == "$total" ]] ||
		fail "root data-v ${root[0]}, data-total ${root[1]}, the folded total $total"
	# gamma frames (1000 of them, each about a thousandth of the total) are
	# all drawn: the search's share is the folded lines' own
	search='^gamma[0-4]$'
	pct=$(awk '{ split($1, f, ";"); if (f[4] ~ /^gamma[0-4]$/) m += $NF; t += $NF }
		END { printf "%.1f\n", 100 * m / t }' "$T/big.folded")
	flame_browser "$svg" big "$(jq -nc --arg s "$search" --argjson m "$pct" '{
		zoom: "alpha3", search: $s, matched: $m, hover: "alpha7", timeout: 150 }')"
	note "Chromium loaded it in $BROWSER_LOAD_MS ms (navigation to load event); screenshots in $ARTIFACTS/flame/big"
}

# diff_before FILE, diff_after FILE: two profiles of the same program, of
# totals 400 and 800. From before to after: parse 100 -> 200, inner
# 100 -> 350, outer 50 -> 30, cache 50 -> 70, write 80 -> 80, gone 20 -> -
# and new - -> 70. Normalised (before doubled): parse keeps its value,
# inner grows, outer, cache and write shrink, new grows, main shrinks
# (760 -> 730), compute grows (300 -> 380), all and app keep theirs.
diff_before()
{
	cat >"$1" <<'EOF'
app;main;parse 100
app;main;compute;inner 100
app;main;compute;outer 50
app;main;cache 50
app;main;write 80
app;gone 20
EOF
}

diff_after()
{
	cat >"$1" <<'EOF'
app;main;parse 200
app;main;compute;inner 350
app;main;compute;outer 30
app;main;cache 70
app;main;write 80
app;new 70
EOF
}

# The differential graph: after's shape (no frame for gone, one for new),
# each frame's data-v after's value and data-b before's, raw and with
# --normalize (before scaled to after's total), a frame that grew filled red
# (more red than blue), one that shrank blue, one that kept its value
# neutral; the two-column folded form lists every stack of both, 0 where a
# profile lacks it. Chromium zooms and searches the diff SVG too.
test_diff_values()
{
	local got want why

	diff_before "$T/before.folded"
	diff_after "$T/after.folded"
	run_vigil "$T/stdout" "$T/err" diff "$T/before.folded" "$T/after.folded" -o "$T/out/diff.svg"
	expect_rc 0 "diff before.folded after.folded"
	why=$(python3 "$FLAME_SVG" diff "$T/out/diff.svg" "$T/before.folded" "$T/after.folded" 2>&1) ||
		fail "diff.svg: $(head -n 4 <<<"$why" | tr '\n' '|')"
	run_vigil "$T/stdout" "$T/err" diff --normalize "$T/before.folded" "$T/after.folded" \
		-o "$T/out/diff-normalized.svg"
	expect_rc 0 "diff --normalize before.folded after.folded"
	why=$(python3 "$FLAME_SVG" diff "$T/out/diff-normalized.svg" "$T/before.folded" \
		"$T/after.folded" --normalize 2>&1) ||
		fail "diff-normalized.svg: $(head -n 4 <<<"$why" | tr '\n' '|')"

	run_vigil "$T/out/diff.folded" "$T/err" diff --format folded "$T/before.folded" "$T/after.folded"
	expect_rc 0 "diff --format folded"
	want='app;gone 20 0
app;main;cache 50 70
app;main;compute;inner 100 350
app;main;compute;outer 50 30
app;main;parse 100 200
app;main;write 80 80
app;new 0 70'
	got=$(LC_ALL=C sort "$T/out/diff.folded")
	[[ $got == "$want" ]] ||
		fail "diff --format folded, sorted: $(tr '\n' '|' <<<"$got"), expected $(tr '\n' '|' <<<"$want")"
	# normalised: before's column doubled (whole numbers here, however written)
	run_vigil "$T/out/diff-normalized.folded" "$T/err" diff --normalize --format folded \
		"$T/before.folded" "$T/after.folded"
	expect_rc 0 "diff --normalize --format folded"
	got=$(awk '{ printf "%s %g %g\n", $1, $2, $3 }' "$T/out/diff-normalized.folded" | LC_ALL=C sort)
	want=$(awk '{ printf "%s %g %g\n", $1, $2 * 2, $3 }' <<<"$want" | LC_ALL=C sort)
	[[ $got == "$want" ]] ||
		fail "diff --normalize --format folded: $(tr '\n' '|' <<<"$got"), expected $(tr '\n' '|' <<<"$want")"

	# (30 + 70) of 800 match
	flame_browser "$T/out/diff.svg" diff '{"zoom": "main", "child": "compute",
		"search": "^(cache|outer)$", "matched": 12.5, "hover": "inner"}'
}

ALL_TESTS+=(
	flame_browser
	flame_parse_back
	flame_stdin
	flame_bad_input
	flame_big
	diff_values
)
