# fold-perf.awk: the output of perf report --stdio --no-children --sort comm
# -g folded,0,caller,count ("  12.34%  COMM" above "COUNT frame;frame;..." lines) as folded
# stacks, "COMM;frame;... COUNT".
# Usage: perf report ... | awk -f fold-perf.awk > FOLDED
/^#/ || NF == 0 { next }
/^ +[0-9.]+%  / {
	comm = $0
	sub(/^ +[0-9.]+%  +/, "", comm)
	sub(/ +$/, "", comm)
	next
}
/^[0-9]+ / {
	n = $1
	s = $0
	sub(/^[0-9]+ /, "", s)
	count[comm ";" s] += n
}
END {
	for (s in count)
		print s, count[s]
}
