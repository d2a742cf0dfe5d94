#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
// pprof-dump.js: read a gzip-compressed pprof profile with an implementation
// that is not vigil's (the npm package pprof-format, and node's zlib), check
// that it is well formed, and print it as JSON for the integration tests.
//
// Usage: pprof-dump.js [--folded] FILE.pb.gz
//        pprof-dump.js --check     (exit 0 when pprof-format can be loaded)
//
// JSON: sample_types and period_type as [type, unit], period, time_nanos
// and duration_nanos, comments, default_sample_type; samples, each with its
// stack (function names outermost first, joined by ';', as folded stacks
// are written) and values; mappings with file, build_id, start, limit,
// offset (hex) and has_functions; locations with name, mapping_id and
// address (hex); time_nanos is a string. --folded prints "STACK VALUE" lines instead, VALUE being
// the first sample value. Numbers past 2^53 are printed as strings.
//
// pprof-format is looked for from $PPROF_FORMAT_DIR, then from tests/js
// (its package.json pins it). Exit status: 0, 1 for a malformed profile,
// 2 for bad usage or a missing pprof-format.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function die(status, msg) {
	process.stderr.write(`pprof-dump: ${msg}\n`);
	process.exit(status);
}

function loadPprofFormat() {
	const dirs = [process.env.PPROF_FORMAT_DIR, __dirname].filter(
		Boolean);
	let where;

	try {
		where = require.resolve('pprof-format', {paths: dirs});
	} catch (e) {
		die(2, `the npm package pprof-format is not installed in ${dirs.join(' or ')}` +
			       ' (run scripts/install-deps.sh, or set PPROF_FORMAT_DIR)');
	}
	return require(where);
}

// A decoded number (number or bigint) as a JSON number, or a string past 2^53.
function num(x) {
	if (typeof x === 'bigint')
		return x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= -BigInt(Number.MAX_SAFE_INTEGER)
			? Number(x)
			: x.toString();
	return x;
}

function hex(x) {
	return '0x' + BigInt(x).toString(16);
}

function main() {
	const args = process.argv.slice(2);
	const folded = args[0] === '--folded';

	if (args.length === 1 && args[0] === '--check') {
		loadPprofFormat();
		return;
	}
	if (folded)
		args.shift();
	if (args.length !== 1)
		die(2, 'usage: pprof-dump.js [--folded] FILE.pb.gz | --check');
	const {Profile} = loadPprofFormat();
	let raw;
	try {
		raw = fs.readFileSync(args[0]);
	} catch (e) {
		die(1, e.message);
	}
	if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b)
		die(1, `${args[0]}: not gzip (no 1f 8b magic)`);
	let p;
	try {
		p = Profile.decode(zlib.gunzipSync(raw));
	} catch (e) {
		die(1, `${args[0]}: ${e.message}`);
	}

	const strings = p.stringTable.strings;
	const str = (i, what) => {
		const n = Number(i);

		if (!Number.isInteger(n) || n < 0 || n >= strings.length)
			die(1, `${what}: string index ${i} past the table's ${strings.length}`);
		return strings[n];
	};
	if (strings.length < 1 || strings[0] !== '')
		die(1, 'string_table[0] is not ""');

	const byId = (list, what) => {
		const m = new Map();

		for (const x of list) {
			const id = Number(x.id);

			if (!id)
				die(1, `${what} with id 0`);
			if (m.has(id))
				die(1, `${what} id ${id} twice`);
			m.set(id, x);
		}
		return m;
	};
	const functions = byId(p.function, 'function');
	const locations = byId(p.location, 'location');
	const mappings = byId(p.mapping, 'mapping');

	const fnName = (id) => {
		const f = functions.get(Number(id));

		if (!f)
			die(1, `a line names function ${id}, which is not there`);
		return str(f.name, `function ${id} name`);
	};
	// A location's functions, outermost first (pprof lists inlined lines innermost first).
	const locNames = (id) => {
		const l = locations.get(Number(id));

		if (!l)
			die(1, `a sample names location ${id}, which is not there`);
		if (!l.line.length)
			die(1, `location ${id} has no line`);
		return l.line.map((ln) => fnName(ln.functionId)).reverse();
	};
	for (const l of p.location) {
		if (Number(l.mappingId) && !mappings.has(Number(l.mappingId)))
			die(1, `location ${l.id} names mapping ${l.mappingId}, which is not there`);
	}

	const nTypes = p.sampleType.length;
	const samples = p.sample.map((s, i) => {
		if (s.value.length !== nTypes)
			die(1, `sample ${i} has ${s.value.length} values for ${nTypes} sample types`);
		// location ids are leaf first
		const names = [...s.locationId].reverse().flatMap(locNames);
		return {stack: names.join(';'), values: s.value.map(num)};
	});

	if (folded) {
		const out = samples.map((s) => `${s.stack} ${s.values[0]}\n`).join('');
		process.stdout.write(out);
		return;
	}
	const vt = (v) => (v ? [str(v.type, 'type'), str(v.unit, 'unit')] : null);
	const dump = {
		sample_types: p.sampleType.map(vt),
		default_sample_type: str(p.defaultSampleType, 'default_sample_type'),
		period_type: vt(p.periodType),
		period: num(p.period),
		time_nanos: BigInt(p.timeNanos).toString(), // past 2^53 since 1970-04
		duration_nanos: num(p.durationNanos),
		comments: p.comment.map((c) => str(c, 'comment')),
		samples,
		mappings: p.mapping.map((m) => ({
			id: num(m.id),
			file: str(m.filename, `mapping ${m.id} filename`),
			build_id: str(m.buildId, `mapping ${m.id} build_id`),
			start: hex(m.memoryStart),
			limit: hex(m.memoryLimit),
			offset: hex(m.fileOffset),
			has_functions: !!m.hasFunctions,
		})),
		locations: p.location.map((l) => ({
			id: num(l.id),
			name: locNames(l.id).join(';'),
			mapping_id: num(l.mappingId),
			address: hex(l.address),
		})),
	};
	process.stdout.write(JSON.stringify(dump) + '\n');
}

main();
