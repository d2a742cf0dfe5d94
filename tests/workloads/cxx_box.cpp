// SPDX-License-Identifier: GPL-2.0
// Workload: C++ frames whose names need demangling, with template
// arguments, a namespace, an operator and a lambda in them.
//
// Usage: cxx_box SECONDS
//
// Ground truth: main -> work::run(double), which calls in turn, until
// SECONDS have passed, three functions of the same loop, each UNIT rounds:
//   Box<std::vector<int, std::allocator<int> > >::spin(int)
//   work::Meter::operator+=(long)
//   work::run(double)::{lambda(int)#1}::operator()(int) const
// so each holds about a third of the samples. Their linkage names are
// _ZN3BoxISt6vectorIiSaIiEEE4spinEi, _ZN4work5MeterpLEl and
// _ZZN4work3runEdENKUliE_clEi. No syscall but clock_gettime is made in
// the loop. At exit it prints "cxx_box: S cpu seconds".
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#define UNIT 200000

// The loops keep a volatile local, so each function touches its stack and
// keeps its frame (see cpu_ratio.c), and the frame-pointer walk finds
// work::run(double) under it.
template <typename T> struct Box {
	T items;
	long spin(int rounds);
};

template <typename T> long Box<T>::spin(int rounds)
{
	volatile long acc = 0;

	for (int i = 0; i < rounds; i++)
		acc = acc * 31 + i;
	return acc;
}

namespace work
{

struct Meter {
	long total;
	Meter &operator+=(long rounds);
};

Meter &Meter::operator+=(long rounds)
{
	volatile long acc = total;

	for (long i = 0; i < rounds; i++)
		acc = acc * 31 + i;
	total = acc;
	return *this;
}

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

long run(double seconds)
{
	Box<std::vector<int>> box{std::vector<int>(4, 1)};
	Meter meter{0};
	auto step = [](int rounds) {
		volatile long acc = 0;

		for (int i = 0; i < rounds; i++)
			acc = acc * 31 + i;
		return static_cast<long>(acc);
	};
	double end = clock_s(CLOCK_MONOTONIC) + seconds;
	long sum = 0;

	while (clock_s(CLOCK_MONOTONIC) < end) {
		sum += box.spin(UNIT);
		meter += UNIT;
		sum += step(UNIT);
	}
	return sum + meter.total;
}

} // namespace work

int main(int argc, char **argv)
{
	long sum;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: cxx_box SECONDS\n");
		return 2;
	}
	sum = work::run(atoi(argv[1]));
	printf("cxx_box: %.3f cpu seconds (%ld)\n", work::clock_s(CLOCK_PROCESS_CPUTIME_ID), sum);
	return 0;
}
