# fold-bpftrace.awk: bpftrace's printed map @[comm, ustack, kstack] = count() as folded stacks,
# "comm;user frames outermost first;kernel frames COUNT"; the +OFFSET of each frame dropped.
# Usage: awk -f fold-bpftrace.awk BPFTRACE_OUTPUT > FOLDED
function emit(n,    s, i) {
	s = comm
	for (i = nu; i >= 1; i--)
		s = s ";" u[i]
	for (i = nk; i >= 1; i--)
		s = s ";" k[i]
	count[s] += n
	inrec = 0
}
/^@\[/ {
	line = substr($0, 3)
	i = index(line, ", ")
	comm = substr(line, 1, i - 1)
	rest = substr(line, i + 2)
	nu = nk = 0
	side = "u"
	inrec = 1
	if (rest ~ /^, *\]: [0-9]+$/) {
		emit($NF)
		next
	}
	if (rest ~ /^, *$/)
		side = "k"
	next
}
!inrec { next }
/^\]: [0-9]+$/ || /^, *\]: [0-9]+$/ { emit($NF); next }
/^, *$/ { side = "k"; next }
/^ +[^ ]/ {
	f = $0
	sub(/^ +/, "", f)
	sub(/ +$/, "", f)
	sub(/\+[0-9]+$/, "", f)
	if (side == "u")
		u[++nu] = f
	else
		k[++nk] = f
}
END {
	for (s in count)
		print s, count[s]
}
