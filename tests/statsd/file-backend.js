// SPDX-License-Identifier: GPL-2.0
// file-backend.js: a statsd backend for vigil's integration tests. At every
// flush it appends one JSON line to the file named by the config's
// fileBackend.path, holding what statsd computed for that flush:
//
//   {"timestamp":S,"time_ms":MS,"counters":{},"counter_rates":{},"gauges":{},
//    "sets":{},"timers":{},"timer_counters":{},"timer_data":{}}
//
// timestamp is statsd's flush time, in whole seconds; time_ms the clock at
// the write, in milliseconds since the epoch. timers hold the raw values
// received; timer_counters and timer_data.NAME.count count each value as
// 1/RATE for a sample rate |@RATE, while timer_data's sum, mean, upper and
// lower are of the raw values. Sets are arrays of their members. statsd's
// own statsd.* metrics are kept. Writes are synchronous, so the flush statsd
// makes as it exits on SIGTERM is written too; a reader takes only the
// lines that end in a newline, as one may be half written.
'use strict';

const fs = require('fs');

// statsd's sets are objects of its own: the members, sorted, as an array.
function setMembers(sets) {
	const out = {};

	for (const key in sets)
		out[key] = sets[key].values().sort();
	return out;
}

exports.init = function (startupTime, config, events, logger) {
	const path = config.fileBackend && config.fileBackend.path;
	let fd;
	let flushes = 0;
	let lastFlush = startupTime;

	if (typeof path !== 'string' || path === '') {
		logger.log('fileBackend: config.fileBackend.path is not set', 'ERROR');
		return false;
	}
	try {
		fd = fs.openSync(path, 'a');
	} catch (err) {
		logger.log('fileBackend: ' + path + ': ' + err.message, 'ERROR');
		return false;
	}

	events.on('flush', function (timestamp, metrics) {
		const line = Buffer.from(JSON.stringify({
			timestamp: timestamp,
			time_ms: Date.now(),
			counters: metrics.counters,
			counter_rates: metrics.counter_rates,
			gauges: metrics.gauges,
			sets: setMembers(metrics.sets),
			timers: metrics.timers,
			timer_counters: metrics.timer_counters,
			timer_data: metrics.timer_data,
		}) + '\n');

		// A failed write ends statsd: a test must not read a partial record.
		for (let done = 0; done < line.length;)
			done += fs.writeSync(fd, line, done);
		flushes++;
		lastFlush = timestamp;
	});

	// What the management port's "stats" command shows for this backend.
	events.on('status', function (write) {
		write(null, 'fileBackend', 'flushes', flushes);
		write(null, 'fileBackend', 'last_flush', lastFlush);
	});

	return true;
};
