#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
//
// flame-browser.js: open one of vigil's SVG flame graphs in headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and check
// what its script does against the document contract in user/flame.h.
//
// usage: node flame-browser.js FILE.svg SCREENSHOT_DIR [CHECKS]
//
// CHECKS is a JSON object, inline or the name of a file holding one:
//   zoom     name of the frame to click (default: the widest frame at
//            depth 1 that has children; the widest of that name)
//   child    name of a child of it whose zoomed width is checked
//            (default: its widest child)
//   search   the regular expression answered at the search prompt
//            (default: the zoomed frame's name, as a literal)
//   matched  the percentage #matched must show, a number (optional; the
//            tool always computes it from the frames as well)
//   hover    name of the frame to hover (default: the zoomed one)
//   frames   how many g.f frames the document must hold (optional)
//   timeout  seconds for the whole run (default 120)
//
// It reads every frame (g.f: the name on the first line of its <title>,
// data-v, data-d, its rect's x and width), checks their layout, hovers a
// frame, zooms into one and back, searches, and saves before.png,
// zoomed.png and searched.png in SCREENSHOT_DIR. One line per check, "ok
// NAME: ..." or "FAIL NAME: ...", then a count. Exit status 0 when every
// check passed, 1 when one failed or the browser could not run, 2 for bad
// usage. CHROMIUM names another browser binary than /usr/bin/chromium.
'use strict';

const fs = require('fs');
const path = require('path');
const url = require('url');

const PX = 0.5; // pixels of slack for widths the script computes
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The flags of a headless Chromium that may run as root and reaches for
// nothing on the network (this tool's pages are local files).
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

let passed = 0;
let failed = 0;

function ok(name, detail)
{
	passed++;
	console.log(`ok ${name}: ${detail}`);
}

function bad(name, detail)
{
	failed++;
	console.log(`FAIL ${name}: ${detail}`);
}

// check NAME COND DETAIL: one line for a check that holds when COND does.
function check(name, cond, detail)
{
	(cond ? ok : bad)(name, detail);
	return cond;
}

function usage(msg)
{
	console.error(`flame-browser: ${msg}`);
	console.error('usage: node flame-browser.js FILE.svg SCREENSHOT_DIR [CHECKS_JSON]');
	process.exit(2);
}

const fmt = (x) => (x === null || x === undefined ? String(x) : Number(x).toFixed(2));

// A string as a regular expression that matches it literally.
const literal = (s) => '^' + s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&') + '$';

function parseArgs()
{
	const argv = process.argv.slice(2);
	if (argv.length < 2 || argv.length > 3)
		usage('expected 2 or 3 arguments');
	const [svg, shots, spec] = argv;
	if (!fs.existsSync(svg))
		usage(`${svg}: no such file`);
	let checks = {};
	if (spec !== undefined) {
		let text = spec;
		if (!spec.trimStart().startsWith('{') && fs.existsSync(spec))
			text = fs.readFileSync(spec, 'utf8');
		try {
			checks = JSON.parse(text);
		} catch (e) {
			usage(`checks are not JSON: ${e.message}`);
		}
		if (typeof checks !== 'object' || checks === null || Array.isArray(checks))
			usage('checks must be a JSON object');
		const known = ['zoom', 'child', 'search', 'matched', 'hover', 'frames', 'timeout'];
		for (const k of Object.keys(checks))
			if (!known.includes(k))
				usage(`unknown check '${k}' (known: ${known.join(', ')})`);
	}
	return { svg: path.resolve(svg), shots: path.resolve(shots), checks };
}

// ---------------------------------------------------------------- in the page

// Every frame as the page shows it now. Runs in the browser. x and w are
// where the rect is drawn, in the root <svg>'s user units (what data-width
// and data-xpad count), whether the script moved it by its attributes or
// by a transform; null while it is not rendered (hidden).
function readFrames()
{
	// Chromium's checkVisibility() calls an SVG element inside a display:
	// none group visible; one with no box, or inside a transparent or
	// hidden ancestor, is not shown here.
	function shown(e)
	{
		if (e.getClientRects().length === 0)
			return false;
		for (let a = e; a && a.nodeType === 1; a = a.parentNode) {
			const cs = getComputedStyle(a);
			if (cs.display === 'none' || cs.visibility === 'hidden' || Number(cs.opacity) === 0)
				return false;
		}
		return true;
	}

	const root = document.documentElement;
	const rootCtm = root.getScreenCTM();
	const toRoot = rootCtm ? rootCtm.inverse() : null;
	const out = [];
	for (const g of document.querySelectorAll('g.f')) {
		const rect = g.querySelector('rect');
		const title = g.querySelector('title');
		const f = {
			name: title ? title.textContent.split('\n')[0] : null,
			v: g.getAttribute('data-v'),
			d: g.getAttribute('data-d'),
			b: g.getAttribute('data-b'),
			cls: Array.from(g.classList),
			ax: rect ? rect.getAttribute('x') : null,
			aw: rect ? rect.getAttribute('width') : null,
			x: null,
			w: null,
		};
		if (rect && toRoot && shown(rect)) {
			const m = toRoot.multiply(rect.getScreenCTM());
			const bb = rect.getBBox();
			const x0 = m.a * bb.x + m.c * bb.y + m.e;
			const x1 = m.a * (bb.x + bb.width) + m.c * bb.y + m.e;
			if (bb.width > 0) {
				f.x = Math.min(x0, x1);
				f.w = Math.abs(x1 - x0);
			}
		}
		out.push(f);
	}
	return out;
}

// The element with id ID: whether it is shown (rendered, not transparent,
// not empty) and its text.
function readElement(id)
{
	const e = document.getElementById(id);
	if (!e)
		return null;
	let shown = e.getClientRects().length > 0;
	for (let a = e; shown && a && a.nodeType === 1; a = a.parentNode) {
		const cs = getComputedStyle(a);
		shown = cs.display !== 'none' && cs.visibility !== 'hidden' && Number(cs.opacity) !== 0;
	}
	const r = e.getBoundingClientRect();
	return {
		shown: shown && r.width > 0 && r.height > 0,
		text: e.textContent,
		cls: e.getAttribute('class'),
	};
}

// Resolves after the page has drawn twice, once the script's handlers ran.
function twoFrames()
{
	return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

// ---------------------------------------------------------------- the tree

// Parse the frames' numbers and give each its parent (by depth and x
// containment, from the rects' x and width attributes) and children.
// Returns an error string, or null.
function buildTree(frames)
{
	const byDepth = [];
	for (const [i, f] of frames.entries()) {
		f.i = i;
		f.v = Number(f.v);
		f.d = Number(f.d);
		f.b = f.b === null ? null : Number(f.b);
		f.ax = Number(f.ax);
		f.aw = Number(f.aw);
		f.children = [];
		f.parent = null;
		if (!Number.isInteger(f.d) || f.d < 0)
			return `frame ${i} (${f.name}): data-d "${f.d}" is not a depth`;
		if (!Number.isFinite(f.v) || !Number.isFinite(f.ax) || !Number.isFinite(f.aw))
			return `frame ${i} (${f.name}): data-v, x or width is not a number`;
		(byDepth[f.d] = byDepth[f.d] || []).push(f);
	}
	for (const level of byDepth)
		if (level)
			level.sort((a, b) => a.ax - b.ax);
	for (let d = 1; d < byDepth.length; d++) {
		const up = byDepth[d - 1] || [];
		if (!byDepth[d])
			return `no frame at depth ${d}, but some deeper`;
		for (const f of byDepth[d]) {
			// the last frame one level up that starts at or before f's middle
			const mid = f.ax + f.aw / 2;
			let lo = 0;
			let hi = up.length - 1;
			let at = -1;
			while (lo <= hi) {
				const m = (lo + hi) >> 1;
				if (up[m].ax <= mid) {
					at = m;
					lo = m + 1;
				} else {
					hi = m - 1;
				}
			}
			const p = at >= 0 ? up[at] : null;
			if (!p || mid >= p.ax + p.aw)
				return `frame ${f.i} (${f.name}) at depth ${d}, x ${fmt(f.ax)} width ${fmt(f.aw)}, lies within no frame at depth ${d - 1}`;
			f.parent = p;
			p.children.push(f);
		}
	}
	return null;
}

function ancestors(f)
{
	const out = [];
	for (let p = f.parent; p; p = p.parent)
		out.push(p);
	return out;
}

function subtree(f)
{
	const out = [];
	const todo = [f];
	while (todo.length) {
		const g = todo.pop();
		out.push(g);
		todo.push(...g.children);
	}
	return out;
}

// The widest frame named NAME among LIST.
function widestNamed(list, name)
{
	let best = null;
	for (const f of list)
		if (f.name === name && (!best || f.v > best.v))
			best = f;
	return best;
}

const hasClass = (f, c) => f.cls.includes(c);

// At most N examples of a list of frames, for failure messages.
function some(list, n = 3)
{
	const s = list.slice(0, n).map((f) => `${JSON.stringify(f.name)}@${f.d}`).join(', ');
	return list.length > n ? `${s}, ... (${list.length})` : s;
}

// ---------------------------------------------------------------- the run

async function run(opts, browserBox)
{
	const { checks } = opts;
	let chromium;
	try {
		({ chromium } = require('playwright-core'));
	} catch (e) {
		bad('launch', `playwright-core is not installed (run: scripts/install-deps.sh): ${e.message}`);
		return;
	}
	if (!fs.existsSync(CHROMIUM)) {
		bad('launch', `${CHROMIUM} not found: install Debian's chromium (scripts/install-deps.sh)`);
		return;
	}
	fs.mkdirSync(opts.shots, { recursive: true });

	// launch gives the browser a new, empty user data dir of its own and
	// removes it at close
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
	browserBox.browser = browser;
	ok('launch', `${CHROMIUM}, Chromium ${browser.version()}`);
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	page.setDefaultTimeout(15000);

	const errors = [];
	page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error')
			errors.push(`console error: ${m.text()}`);
	});
	const fileUrl = url.pathToFileURL(opts.svg).href;
	const requests = [];
	page.on('request', (r) => {
		if (r.url() !== fileUrl)
			requests.push(r.url());
	});
	// Prompts are answered with dialogAnswer (null: dismissed).
	const dialogs = [];
	let dialogAnswer = null;
	let dialogSeen = null;
	page.on('dialog', async (d) => {
		dialogs.push({ type: d.type(), message: d.message() });
		if (dialogAnswer !== null && d.type() === 'prompt')
			await d.accept(dialogAnswer);
		else
			await d.dismiss();
		if (dialogSeen)
			dialogSeen();
	});
	const expectDialog = () => new Promise((resolve) => { dialogSeen = resolve; });

	// ---- (f) load
	const size = fs.statSync(opts.svg).size;
	const t0 = process.hrtime.bigint();
	await page.goto(fileUrl, { waitUntil: 'load', timeout: 0 }); // the run's own timeout bounds it
	const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
	const nav = await page.evaluate(() => {
		const n = performance.getEntriesByType('navigation')[0];
		return n ? n.loadEventEnd - n.startTime : null;
	});
	ok('load', `${size} bytes loaded in ${loadMs.toFixed(0)} ms (navigation to load event; ` +
		`${nav === null ? '?' : nav.toFixed(0)} ms by the page's navigation timing)`);
	// The viewport takes the whole drawing: every frame can be clicked
	// without scrolling, and a screenshot of the viewport shows it all
	// (playwright's fullPage measures document.body, which an SVG
	// document does not have, and waits for it forever).
	const box = await page.evaluate(() => {
		const r = document.documentElement.getBoundingClientRect();
		return { width: Math.ceil(r.right), height: Math.ceil(r.bottom) };
	});
	await page.setViewportSize({
		width: Math.min(Math.max(box.width, 800), 8000),
		height: Math.min(Math.max(box.height, 600), 8000),
	});

	// ---- (a) the frames
	const doc = await page.evaluate(() => {
		const r = document.documentElement;
		const a = (n) => r.getAttribute(n);
		return {
			tag: r.localName, id: r.id, total: a('data-total'), width: a('data-width'),
			xpad: a('data-xpad'), frames: a('data-frames'), mode: a('data-mode'),
		};
	});
	if (!check('document', doc.tag === 'svg' && doc.id === 'vigil-flame',
		`root element <${doc.tag} id="${doc.id}">, expected <svg id="vigil-flame">`))
		return;
	const T = Number(doc.total);
	const W = Number(doc.width);
	const X = Number(doc.xpad);
	const full = W - 2 * X;
	if (!check('attributes', T > 0 && W > 0 && X >= 0 && full > 0,
		`data-total ${doc.total}, data-width ${doc.width}, data-xpad ${doc.xpad}, data-mode ${doc.mode}`))
		return;

	const t1 = process.hrtime.bigint();
	const frames = await page.evaluate(readFrames);
	const readMs = Number(process.hrtime.bigint() - t1) / 1e6;
	const treeError = buildTree(frames);
	if (!check('frames', frames.length > 0 && !treeError,
		treeError || `${frames.length} frames read in ${readMs.toFixed(0)} ms`))
		return;
	if (checks.frames !== undefined)
		check('frame count', frames.length === checks.frames,
			`${frames.length} g.f frames, expected ${checks.frames}`);
	check('data-frames', String(frames.length) === doc.frames,
		`data-frames="${doc.frames}", the document holds ${frames.length} g.f frames`);
	const roots = frames.filter((f) => f.d === 0);
	const root = roots[0];
	check('root', roots.length === 1 && root.name === 'all' && root.v === T,
		`${roots.length} frame(s) at depth 0: ${some(roots)}, data-v ${root ? root.v : '-'}; ` +
		`expected one "all" of data-v ${T} (data-total)`);
	const badWidth = frames.filter((f) => Math.abs(f.aw - (f.v / T) * full) > 0.01);
	check('widths', badWidth.length === 0, badWidth.length
		? `${badWidth.length} rects' width is not data-v / data-total * ${full}: ` +
		  badWidth.slice(0, 3).map((f) => `${f.name} ${fmt(f.aw)} for ${f.v}`).join(', ')
		: `every rect is data-v / ${T} * ${full} wide (within 0.01)`);
	const notDrawn = frames.filter((f) => f.x === null || Math.abs(f.x - f.ax) > PX ||
		Math.abs(f.w - f.aw) > PX);
	check('drawn', notDrawn.length === 0, notDrawn.length
		? `${notDrawn.length} frames are not drawn where their rect says: ${some(notDrawn)}`
		: 'every frame is shown where its rect x and width say');

	// what to click, hover and search
	let zoom;
	if (checks.zoom !== undefined) {
		zoom = widestNamed(frames, checks.zoom);
	} else {
		const cands = frames.filter((f) => f.d >= 1 && f.children.length)
			.sort((a, b) => a.d - b.d || b.v - a.v);
		zoom = cands[0] || null;
	}
	if (!check('zoom target', zoom !== null, zoom
		? `${JSON.stringify(zoom.name)} at depth ${zoom.d}, data-v ${zoom.v}, ${zoom.children.length} children`
		: `no frame named ${JSON.stringify(checks.zoom)}`))
		return;
	let child;
	if (checks.child !== undefined)
		child = widestNamed(zoom.children, checks.child);
	else
		child = zoom.children.slice().sort((a, b) => b.v - a.v)[0] || null;
	const hover = checks.hover !== undefined ? widestNamed(frames, checks.hover) : zoom;
	if (!check('hover target', hover !== null, hover
		? `${JSON.stringify(hover.name)} at depth ${hover.d}`
		: `no frame named ${JSON.stringify(checks.hover)}`))
		return;
	const search = checks.search !== undefined ? checks.search : literal(zoom.name);
	let re;
	try {
		re = new RegExp(search);
	} catch (e) {
		bad('search', `${JSON.stringify(search)} is no regular expression: ${e.message}`);
		return;
	}

	const unzoom0 = await page.evaluate(readElement, 'unzoom');
	check('unzoom hidden', unzoom0 !== null && !unzoom0.shown,
		unzoom0 ? `#unzoom shown: ${unzoom0.shown} before any zoom, expected false`
			: 'no #unzoom element');
	await page.screenshot({ path: path.join(opts.shots, 'before.png') });
	ok('screenshot', path.join(opts.shots, 'before.png'));

	const g = (f) => page.locator('g.f').nth(f.i);

	// ---- (d) hover
	await g(hover).hover();
	await page.evaluate(twoFrames);
	const details = await page.evaluate(readElement, 'details');
	check('hover', details !== null && details.text.includes(hover.name), details
		? `#details says ${JSON.stringify(details.text)} over ${JSON.stringify(hover.name)}`
		: 'no #details element');

	// ---- (b) zoom
	await g(zoom).click();
	await page.evaluate(twoFrames);
	// a script that animates the zoom has two seconds to end it
	let z = await page.evaluate(readFrames);
	for (let i = 0; i < 20 && !(z[zoom.i].w !== null && Math.abs(z[zoom.i].w - full) <= PX); i++) {
		await page.waitForTimeout(100);
		z = await page.evaluate(readFrames);
	}
	const zf = z[zoom.i];
	check('zoom width', zf.w !== null && Math.abs(zf.w - full) <= PX && Math.abs(zf.x - X) <= PX,
		`clicked ${JSON.stringify(zoom.name)} spans x ${fmt(zf.x)} width ${fmt(zf.w)}, expected ${fmt(X)} width ${fmt(full)}`);
	if (child) {
		const cf = z[child.i];
		const want = (child.v / zoom.v) * full;
		check('zoom child', cf.w !== null && Math.abs(cf.w - want) <= PX,
			`child ${JSON.stringify(child.name)} is ${fmt(cf.w)} wide, expected ${child.v}/${zoom.v} of ${full} = ${fmt(want)}`);
	} else {
		bad('zoom child', checks.child !== undefined
			? `${JSON.stringify(zoom.name)} has no child named ${JSON.stringify(checks.child)}`
			: `${JSON.stringify(zoom.name)} has no child`);
	}
	const inside = subtree(zoom);
	const above = ancestors(zoom);
	const insideSet = new Set(inside.map((f) => f.i));
	const aboveSet = new Set(above.map((f) => f.i));
	const outside = frames.filter((f) => !insideSet.has(f.i) && !aboveSet.has(f.i));
	const scaled = inside.filter((f) => {
		const zz = z[f.i];
		return zz.w === null || Math.abs(zz.w - (f.v / zoom.v) * full) > PX ||
			Math.abs(zz.x - (X + ((f.ax - zoom.ax) / zoom.aw) * full)) > PX;
	});
	check('zoom subtree', scaled.length === 0, scaled.length
		? `${scaled.length} of the ${inside.length} frames of the subtree are not drawn at their zoomed place: ${some(scaled)}`
		: `${inside.length} frames of the subtree drawn at V/${zoom.v} of the full width, in place`);
	const notHidden = outside.filter((f) => !hasClass(z[f.i], 'hide'));
	const wrongHidden = inside.concat(above).filter((f) => hasClass(z[f.i], 'hide'));
	check('zoom hide', notHidden.length === 0 && wrongHidden.length === 0,
		`${outside.length - notHidden.length} of ${outside.length} frames outside the subtree have class hide` +
		(notHidden.length ? `; not: ${some(notHidden)}` : '') +
		(wrongHidden.length ? `; hidden although in the subtree or above it: ${some(wrongHidden)}` : ''));
	const shownOutside = outside.filter((f) => z[f.i].w !== null);
	check('zoom hidden drawn', shownOutside.length === 0, shownOutside.length
		? `${shownOutside.length} frames outside the subtree are still drawn: ${some(shownOutside)}`
		: 'no frame outside the subtree is drawn');
	const notParent = above.filter((f) => !hasClass(z[f.i], 'parent'));
	const wrongParent = frames.filter((f) => !aboveSet.has(f.i) && hasClass(z[f.i], 'parent'));
	check('zoom parents', notParent.length === 0 && wrongParent.length === 0,
		`${above.length - notParent.length} of ${above.length} ancestors have class parent` +
		(notParent.length ? `; not: ${some(notParent)}` : '') +
		(wrongParent.length ? `; class parent but no ancestor: ${some(wrongParent)}` : ''));
	const unzoom1 = await page.evaluate(readElement, 'unzoom');
	check('unzoom shown', unzoom1 !== null && unzoom1.shown,
		`#unzoom shown: ${unzoom1 && unzoom1.shown} while zoomed, text ${JSON.stringify(unzoom1 && unzoom1.text)}`);
	await page.screenshot({ path: path.join(opts.shots, 'zoomed.png') });
	ok('screenshot', path.join(opts.shots, 'zoomed.png'));

	// ---- (b) reset zoom
	if (unzoom1 && unzoom1.shown) {
		await page.locator('#unzoom').click();
		await page.evaluate(twoFrames);
		let u = await page.evaluate(readFrames);
		const moved = (fs2) => frames.filter((f) => fs2[f.i].w === null ||
			Math.abs(fs2[f.i].x - f.ax) > PX || Math.abs(fs2[f.i].w - f.aw) > PX);
		for (let i = 0; i < 20 && moved(u).length; i++) {
			await page.waitForTimeout(100);
			u = await page.evaluate(readFrames);
		}
		const m = moved(u);
		check('unzoom widths', m.length === 0, m.length
			? `${m.length} frames are not back where they were: ${some(m)}`
			: `all ${frames.length} frames back at their first x and width`);
		const left = frames.filter((f) => hasClass(u[f.i], 'hide') || hasClass(u[f.i], 'parent'));
		check('unzoom classes', left.length === 0, left.length
			? `${left.length} frames keep class hide or parent: ${some(left)}`
			: 'no frame has class hide or parent');
		const unzoom2 = await page.evaluate(readElement, 'unzoom');
		check('unzoom hidden again', unzoom2 && !unzoom2.shown,
			`#unzoom shown: ${unzoom2 && unzoom2.shown} after Reset Zoom, expected false`);
	}

	// ---- (c) search
	const matching = frames.filter((f) => re.test(f.name));
	const matchSet = new Set(matching.map((f) => f.i));
	const top = matching.filter((f) => !ancestors(f).some((a) => matchSet.has(a.i)));
	const sum = top.reduce((s, f) => s + f.v, 0);
	const pct = ((100 * sum) / T).toFixed(1);
	if (checks.matched !== undefined)
		check('matched expected', pct === Number(checks.matched).toFixed(1),
			`the frames give ${pct}% for ${JSON.stringify(search)} (${sum} of ${T} in ${top.length} outermost ` +
			`of ${matching.length} matching frames), the test expects ${Number(checks.matched).toFixed(1)}%`);
	dialogAnswer = search;
	let seen = expectDialog();
	const before = dialogs.length;
	await page.locator('#search').click();
	await Promise.race([seen, page.waitForTimeout(5000)]);
	await page.evaluate(twoFrames);
	const prompts = dialogs.slice(before);
	check('search prompt', prompts.length === 1 && prompts[0].type === 'prompt',
		`clicking #search opened ${prompts.map((d) => `${d.type} ${JSON.stringify(d.message)}`).join(', ') || 'no dialog'}` +
		`, answered ${JSON.stringify(search)}`);
	const s = await page.evaluate(readFrames);
	const unmarked = matching.filter((f) => !hasClass(s[f.i], 'match'));
	const marked = frames.filter((f) => !matchSet.has(f.i) && hasClass(s[f.i], 'match'));
	check('search classes', matching.length > 0 && unmarked.length === 0 && marked.length === 0,
		`${matching.length} frames match ${JSON.stringify(search)}, ${matching.length - unmarked.length} have class match` +
		(unmarked.length ? `; not: ${some(unmarked)}` : '') +
		(marked.length ? `; class match but no match: ${some(marked)}` : ''));
	const matched = await page.evaluate(readElement, 'matched');
	const shownPct = matched && /Matched:\s*([0-9.]+)\s*%/.exec(matched.text);
	check('search matched', shownPct !== null && shownPct[1] === pct && matched.shown,
		`#matched says ${JSON.stringify(matched && matched.text)} (shown: ${matched && matched.shown}), ` +
		`expected "Matched: ${pct}%" (${sum} of ${T})`);
	await page.screenshot({ path: path.join(opts.shots, 'searched.png') });
	ok('screenshot', path.join(opts.shots, 'searched.png'));

	// the keys that prompt too; dismissed
	dialogAnswer = null;
	for (const key of ['Control+f', '/']) {
		seen = expectDialog();
		const n = dialogs.length;
		await page.keyboard.press(key);
		await Promise.race([seen, page.waitForTimeout(3000)]);
		const d = dialogs.slice(n);
		check(`search key ${key}`, d.length === 1 && d[0].type === 'prompt',
			`${key} opened ${d.map((x) => x.type).join(', ') || 'no dialog'}, expected one prompt`);
	}

	check('self-contained', requests.length === 0, requests.length
		? `the page asked for ${requests.length} other resources: ${requests.slice(0, 3).join(', ')}`
		: 'no request but the file itself');
	check('script errors', errors.length === 0, errors.length ? errors.slice(0, 3).join('; ') : 'none');
}

async function main()
{
	const opts = parseArgs();
	const timeout = Number(opts.checks.timeout || 120);
	const box = { browser: null };
	let timer;
	const deadline = new Promise((resolve) => {
		timer = setTimeout(() => {
			bad('timeout', `the checks did not end within ${timeout} s`);
			resolve();
		}, timeout * 1000);
	});
	try {
		await Promise.race([run(opts, box), deadline]);
	} catch (e) {
		bad('error', e.message.split('\n').slice(0, 4).join(' | '));
	}
	clearTimeout(timer);
	if (box.browser)
		await box.browser.close().catch(() => {});
	console.log(`flame-browser: ${passed} checks passed, ${failed} failed`);
	process.exit(failed || !passed ? 1 : 0);
}

main();
