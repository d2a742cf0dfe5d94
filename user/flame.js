// SPDX-License-Identifier: GPL-2.0
// flame.js: the script vigil embeds in its SVG flame graphs (flame.c): details on
// hover, click to zoom, search by regular expression. The drawing is complete
// without it; this only moves and recolours what is there.
"use strict";
var svg, frames = [], total = 0, unit = "", W = 0, X = 0, diff = false;
var details, matched, unzoomBtn, clearBtn, zoomed = null, searchRe = null;
var FONT = 12, CHAR = FONT * 0.59;

function init() {
	svg = document.getElementById("vigil-flame");
	total = +svg.getAttribute("data-total");
	unit = svg.getAttribute("data-unit");
	W = +svg.getAttribute("data-width");
	X = +svg.getAttribute("data-xpad");
	diff = svg.getAttribute("data-mode") === "diff";
	details = document.getElementById("details");
	matched = document.getElementById("matched");
	unzoomBtn = document.getElementById("unzoom");
	clearBtn = document.getElementById("clear");
	// Frames come depth first, each after its parent: the parent of a
	// frame at depth d is the last frame seen at depth d - 1.
	var last = [], gs = svg.querySelectorAll("g.f");
	for (var i = 0; i < gs.length; i++) {
		var g = gs[i], r = g.querySelector("rect"), d = +g.getAttribute("data-d");
		var f = {
			g: g, rect: r, d: d, v: +g.getAttribute("data-v"),
			b: diff ? +g.getAttribute("data-b") : 0,
			name: g.querySelector("title").textContent.split("\n")[0],
			x: +r.getAttribute("x"), w: +r.getAttribute("width"),
			fill: r.getAttribute("fill"), parent: d > 0 ? last[d - 1] : null,
			text: g.querySelector("text"), index: i
		};
		last[d] = f;
		g.vf = f;
		frames.push(f);
	}
	svg.addEventListener("mouseover", function (e) {
		var f = frameOf(e.target);
		if (f)
			details.textContent = describe(f);
	});
	svg.addEventListener("mouseout", function (e) {
		if (frameOf(e.target))
			details.textContent = " ";
	});
	svg.addEventListener("click", function (e) {
		var f = frameOf(e.target);
		if (f)
			zoom(f);
	});
	unzoomBtn.addEventListener("click", function (e) { e.stopPropagation(); unzoom(); });
	document.getElementById("search").addEventListener("click", function (e) {
		e.stopPropagation();
		askSearch();
	});
	clearBtn.addEventListener("click", function (e) { e.stopPropagation(); clearSearch(); });
	window.addEventListener("keydown", function (e) {
		if ((e.key === "f" && (e.ctrlKey || e.metaKey)) || e.key === "/") {
			e.preventDefault();
			askSearch();
		} else if (e.key === "Escape") {
			unzoom();
			clearSearch();
		}
	});
}

function frameOf(el) {
	while (el && el !== svg) {
		if (el.vf)
			return el.vf;
		el = el.parentNode;
	}
	return null;
}

function pct(v, of) {
	return of > 0 ? (100 * v / of).toFixed(2) + "%" : "0%";
}

function describe(f) {
	var u = f.v === 1 && unit === "samples" ? "sample" : unit;
	var s = f.name + " (" + f.v + " " + u + ", " + pct(f.v, total);
	if (diff) {
		var dv = f.v - f.b;
		s += "; before " + (+f.b.toFixed(1)) + ", " + (dv >= 0 ? "+" : "") +
			(+dv.toFixed(1)) + (f.b > 0 ? " (" + (dv >= 0 ? "+" : "") + pct(dv, f.b) + ")" : "");
	}
	return s + ")";
}

// The label that fits width pixels: the whole name, or its start and "..".
function fit(f, width) {
	var n = Math.floor((width - 6) / CHAR);
	if (n < 3)
		return "";
	return f.name.length <= n ? f.name : f.name.substring(0, n - 2) + "..";
}

function place(f, x, w) {
	f.rect.setAttribute("x", x.toFixed(2));
	f.rect.setAttribute("width", w.toFixed(2));
	var label = fit(f, w);
	if (!f.text && label) {
		f.text = document.createElementNS("http://www.w3.org/2000/svg", "text");
		f.text.setAttribute("y", (+f.rect.getAttribute("y") + FONT).toFixed(1));
		f.g.appendChild(f.text);
	}
	if (f.text) {
		f.text.setAttribute("x", (x + 3).toFixed(2));
		f.text.textContent = label;
	}
}

function isAncestor(a, f) {
	for (var p = f.parent; p; p = p.parent)
		if (p === a)
			return true;
	return false;
}

function zoom(z) {
	var scale = (W - 2 * X) / z.w;
	zoomed = z;
	for (var i = 0; i < frames.length; i++) {
		var f = frames[i], cls = f.g.classList;
		cls.remove("hide", "parent");
		if (f === z || isAncestor(z, f)) {
			place(f, X + (f.x - z.x) * scale, f.w * scale);
		} else if (isAncestor(f, z)) {
			cls.add("parent");
			place(f, X, W - 2 * X);
		} else {
			cls.add("hide");
		}
	}
	unzoomBtn.classList.remove("hide");
}

function unzoom() {
	if (!zoomed)
		return;
	zoomed = null;
	for (var i = 0; i < frames.length; i++) {
		var f = frames[i];
		f.g.classList.remove("hide", "parent");
		place(f, f.x, f.w);
	}
	unzoomBtn.classList.add("hide");
}

function askSearch() {
	var s = window.prompt("Search for frames (a regular expression)", searchRe ? searchRe.source : "");
	if (s === null || s === "")
		return;
	try {
		search(new RegExp(s));
	} catch (err) {
		details.textContent = "not a regular expression: " + s;
	}
}

// Colour the frames whose name matches re, and say what share of the
// total they hold, counting a frame inside a matched frame once.
function search(re) {
	var sum = 0;
	searchRe = re;
	for (var i = 0; i < frames.length; i++) {
		var f = frames[i];
		f.hit = re.test(f.name);
		f.g.classList.toggle("match", f.hit);
		f.rect.setAttribute("fill", f.hit ? "rgb(230,0,230)" : f.fill);
		var inside = false;
		for (var p = f.parent; p; p = p.parent)
			if (p.hit) { inside = true; break; }
		if (f.hit && !inside)
			sum += f.v;
	}
	matched.textContent = "Matched: " + (total > 0 ? (100 * sum / total).toFixed(1) : "0.0") + "%";
	matched.classList.remove("hide");
	clearBtn.classList.remove("hide");
}

function clearSearch() {
	searchRe = null;
	for (var i = 0; i < frames.length; i++) {
		var f = frames[i];
		f.hit = false;
		f.g.classList.remove("match");
		f.rect.setAttribute("fill", f.fill);
	}
	matched.textContent = "";
	matched.classList.add("hide");
	clearBtn.classList.add("hide");
}
