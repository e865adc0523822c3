/* The door, on a phone (events/templates/events/admin/checkin.html).
 *
 * Without this script the page is a plain form posted to the server. With it:
 * - a code typed or scanned is checked without leaving the page (the same server form, sent by
 *   fetch), with a beep and a vibration that differ for admitted and refused;
 * - the camera reads QR codes with the browser's BarcodeDetector, or else with jsQR (vendored
 *   under events/vendor/jsqr/, loaded from the site only when the camera starts);
 * - the date's tickets are kept in localStorage; without signal, a code is checked against them,
 *   the scan is queued in localStorage and sent to the server when the signal comes back (each
 *   scan once, by its id); a ticket two phones let in while offline comes back as a conflict.
 */
(function () {
    "use strict";

    var root = document.getElementById("checkin");
    if (!root || !window.localStorage || !window.JSON || !window.fetch) { return; }

    var T = JSON.parse(document.getElementById("checkin-texts").textContent);
    var dateId = root.getAttribute("data-date");
    var TICKETS_KEY = "cesiq-checkin:tickets:" + dateId;
    var QUEUE_KEY = "cesiq-checkin:queue:" + dateId;
    var DEVICE_KEY = "cesiq-checkin:device";
    var lang = document.documentElement.lang || "fr";

    var form = document.getElementById("code-form");
    var input = document.getElementById("ticket-code");
    var syncStatus = document.getElementById("checkin-sync");
    var countIn = document.getElementById("count-in");
    var countExpected = document.getElementById("count-expected");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

    function fill(text, values) {
        return text.replace(/%\((\w+)\)s/g, function (_, key) {
            return values[key] === undefined ? "" : values[key];
        });
    }

    function read(key, fallback) {
        try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
    }

    function write(key, value) {
        try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full: nothing to do */ }
    }

    function randomId(length) {
        var bytes = new Uint8Array(length);
        (window.crypto || window.msCrypto).getRandomValues(bytes);
        return Array.prototype.map.call(bytes, function (b) { return (b % 36).toString(36); }).join("");
    }

    function device() {
        var id = localStorage.getItem(DEVICE_KEY);
        if (!id) { id = "tel-" + randomId(6); localStorage.setItem(DEVICE_KEY, id); }
        return id;
    }

    // As the page writes it, in the office's time whatever the phone's clock says: « 6 h 30 »,
    // « 6 h » on the hour; "6:30 a.m." in English.
    var clock = window.Intl ? new Intl.DateTimeFormat(lang === "en" ? "en-CA" : "fr-CA", {
        hour: "numeric", minute: "2-digit", timeZone: root.getAttribute("data-time-zone") || undefined
    }) : null;

    function timeOf(iso) {
        var when = new Date(iso);
        if (!clock) { return when.toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"}); }
        return clock.format(when).replace(/(\d) h 00$/, "$1 h");
    }

    // --- sound and vibration ----------------------------------------------------------------

    var audio = null;

    function signal(admitted) {
        try {
            if (navigator.vibrate) { navigator.vibrate(admitted ? 80 : [200, 100, 200]); }
        } catch (e) { /* not allowed */ }
        try {
            var Context = window.AudioContext || window.webkitAudioContext;
            if (!Context) { return; }
            audio = audio || new Context();
            if (audio.state === "suspended") { audio.resume(); }
            // Admitted: one short high tone. Refused: two low buzzes.
            var tones = admitted ? [[880, 0, 0.12]] : [[220, 0, 0.18], [220, 0.26, 0.18]];
            tones.forEach(function (tone) {
                var start = audio.currentTime + tone[1];
                var osc = audio.createOscillator(), gain = audio.createGain();
                osc.type = admitted ? "sine" : "square";
                osc.frequency.value = tone[0];
                gain.gain.setValueAtTime(0.0001, start);
                gain.gain.exponentialRampToValueAtTime(0.2, start + 0.01);
                gain.gain.exponentialRampToValueAtTime(0.0001, start + tone[2]);
                osc.connect(gain);
                gain.connect(audio.destination);
                osc.start(start);
                osc.stop(start + tone[2] + 0.02);
            });
        } catch (e) { /* no sound */ }
    }

    // --- the result panel ---------------------------------------------------------------------

    function showResult(panel) {
        var old = document.getElementById("checkin-result");
        if (old) {
            old.parentNode.replaceChild(panel, old);
        } else {
            var counts = root.querySelector(".checkin-counts");
            counts.parentNode.insertBefore(panel, counts.nextSibling);
        }
        panel.setAttribute("tabindex", "-1");
        panel.removeAttribute("autofocus");
        panel.classList.add("checkin-result--flash");
        panel.focus();
        signal(panel.getAttribute("data-status") === "ok");
    }

    function offlinePanel(status, text, detail) {
        var tones = {ok: ["ok", "✓"], already: ["warning", "⚠"], cancelled: ["error", "✗"], unknown: ["error", "✗"]};
        var panel = document.createElement("div");
        panel.id = "checkin-result";
        panel.className = "checkin-result checkin-result--" + tones[status][0];
        panel.setAttribute("role", "status");
        panel.setAttribute("data-status", status);
        panel.setAttribute("data-offline", "true");
        var icon = document.createElement("span");
        icon.className = "icon";
        icon.setAttribute("aria-hidden", "true");
        icon.textContent = tones[status][1];
        var body = document.createElement("div");
        var p = document.createElement("p");
        p.textContent = text;
        body.appendChild(p);
        [detail, T.offline_note].forEach(function (line) {
            if (!line) { return; }
            var small = document.createElement("small");
            small.textContent = line;
            body.appendChild(small);
        });
        panel.appendChild(icon);
        panel.appendChild(body);
        return panel;
    }

    // Typing on the focused result (a keyboard or a wedge scanner) goes on into the code field.
    document.addEventListener("keydown", function (event) {
        var active = document.activeElement;
        if (active && active.id === "checkin-result" && event.key && event.key.length === 1 &&
                !event.ctrlKey && !event.metaKey && !event.altKey) {
            input.focus();
        }
    });

    var initial = document.getElementById("checkin-result");
    if (initial) { initial.focus(); }

    // --- the tickets kept on the phone ------------------------------------------------------

    function cache() { return read(TICKETS_KEY, null); }
    function queue() { return read(QUEUE_KEY, []); }

    function showCounts(counts) {
        if (!counts) { return; }
        countIn.textContent = counts.checked_in;
        countExpected.textContent = counts.expected;
    }

    function localCounts(kept) {
        var counts = {checked_in: 0, expected: 0};
        Object.keys(kept.tickets).forEach(function (code) {
            var t = kept.tickets[code];
            if (t.cancelled) { return; }
            counts.expected += 1;
            if (t.checked_in_at) { counts.checked_in += 1; }
        });
        return counts;
    }

    function keep(data) {
        var tickets = {};
        data.tickets.forEach(function (t) { tickets[t.code] = t; });
        // Scans not sent yet stay applied on this phone.
        queue().forEach(function (scan) {
            if (scan.admitted && tickets[scan.code] && !tickets[scan.code].checked_in_at) {
                tickets[scan.code].checked_in_at = scan.at;
            }
        });
        var kept = {generated_at: data.generated_at, tickets: tickets};
        write(TICKETS_KEY, kept);
        return kept;
    }

    // After a sync, `keepMessage`: what the sync said (conflicts above all) stays on screen.
    function loadTickets(keepMessage) {
        return fetch(root.getAttribute("data-tickets-url"), {
            credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"
        }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
            if (!data) { return; }
            var kept = keep(data);
            // The cancelled tickets are kept too (so that a scan refuses them), not counted.
            var valid = data.tickets.filter(function (t) { return !t.cancelled; }).length;
            root.setAttribute("data-offline-ready", valid);
            showCounts(localCounts(kept));
            updateStatus(keepMessage ? undefined : fill(T.offline_ready, {n: valid}));
        }).catch(function () { updateStatus(); });
    }

    function updateStatus(message) {
        var pending = queue().length;
        if (!navigator.onLine) {
            syncStatus.textContent = cache() ? fill(T.offline_pending, {n: pending}) : T.no_cache;
        } else if (pending) {
            syncStatus.textContent = fill(T.online_pending, {n: pending});
        } else if (message !== undefined) {
            syncStatus.textContent = message;
        }
    }

    // --- checking a code in -------------------------------------------------------------------

    // Without case or accents, as the server searches: « chloe » finds « Chloé ».
    function folded(text) {
        return (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    }

    function checkOffline(code) {
        var kept = cache();
        if (!kept) {
            updateStatus();
            syncStatus.textContent = T.no_cache;
            signal(false);
            return;
        }
        // As typed first (older codes have capitals), then in lower case (as the server).
        var ticket = kept.tickets[code] || kept.tickets[code.toLowerCase()];
        var now = new Date().toISOString();
        var status, text, detail = "";
        if (!ticket) {
            status = "unknown";
            text = fill(T.unknown, {code: code});
        } else {
            detail = ticket.ticket_type + " · " + ticket.buyer + " · " + ticket.code;
            if (ticket.cancelled) {
                status = "cancelled";
                text = fill(T.cancelled, {name: ticket.name});
            } else if (ticket.checked_in_at) {
                status = "already";
                text = fill(T.already, {name: ticket.name, time: timeOf(ticket.checked_in_at)});
            } else {
                status = "ok";
                text = fill(T.ok, {name: ticket.name});
                ticket.checked_in_at = now;
                write(TICKETS_KEY, kept);
            }
        }
        var scans = queue();
        scans.push({id: device() + "-" + Date.now().toString(36) + "-" + randomId(6),
                    code: ticket ? ticket.code : code,
                    at: now, device: device(), admitted: status === "ok"});
        write(QUEUE_KEY, scans);
        showCounts(localCounts(kept));
        showResult(offlinePanel(status, text, detail));
        updateStatus();
    }

    function markKept(code, status) {
        var kept = cache();
        if (kept && !kept.tickets[code]) { code = code.toLowerCase(); }
        if (kept && kept.tickets[code] && (status === "ok" || status === "already") &&
                !kept.tickets[code].checked_in_at) {
            kept.tickets[code].checked_in_at = new Date().toISOString();
            write(TICKETS_KEY, kept);
        }
    }

    function withTimeout(ms) {
        if (!window.AbortController) { return {}; }
        var controller = new AbortController();
        setTimeout(function () { controller.abort(); }, ms);
        return {signal: controller.signal};
    }

    function swapFrom(html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var counts = doc.getElementById("count-in");
        if (counts) {
            showCounts({checked_in: counts.textContent, expected: doc.getElementById("count-expected").textContent});
        }
        var conflicts = doc.getElementById("checkin-conflicts");
        var mine = document.getElementById("checkin-conflicts");
        if (conflicts && mine) {
            mine.parentNode.replaceChild(document.importNode(conflicts, true), mine);
        } else if (conflicts) {
            root.insertBefore(document.importNode(conflicts, true), syncStatus);
        }
        return doc.getElementById("checkin-result");
    }

    function checkIn(code) {
        code = (code || "").trim();
        if (!code) { return; }
        input.value = "";
        if (!navigator.onLine) { checkOffline(code); return; }
        var body = new FormData(form);
        body.set("code", code);
        var options = withTimeout(6000);
        options.method = "POST";
        options.body = body;
        options.credentials = "same-origin";
        fetch(form.action, options).then(function (response) {
            if (!response.ok || response.redirected && response.url.indexOf(form.action.split("?")[0]) === -1) {
                throw new Error("refused");  // logged out, or an error: the form does it
            }
            return response.text();
        }).then(function (html) {
            var panel = swapFrom(html);
            if (!panel) { throw new Error("no result"); }
            showResult(document.importNode(panel, true));
            markKept(code, panel.getAttribute("data-status"));
        }).catch(function (error) {
            if (error && error.message === "refused") { input.value = code; form.submit(); return; }
            checkOffline(code);  // no signal after all
        });
    }

    form.addEventListener("submit", function (event) {
        event.preventDefault();
        checkIn(input.value);
    });

    // --- searching a name without signal ------------------------------------------------------

    var searchForm = document.getElementById("search-form");
    var found = document.getElementById("offline-found");
    searchForm.addEventListener("submit", function (event) {
        if (navigator.onLine) { return; }
        event.preventDefault();
        var kept = cache();
        var typed = document.getElementById("name-search").value.trim();
        var query = folded(typed);
        var server = document.getElementById("search-results");
        if (server) { server.hidden = true; }
        found.textContent = "";
        found.hidden = false;
        if (!kept) { found.textContent = T.no_cache; return; }
        var hits = Object.keys(kept.tickets).map(function (c) { return kept.tickets[c]; }).filter(function (t) {
            return query && (folded(t.name).indexOf(query) !== -1 ||
                             folded(t.buyer).indexOf(query) !== -1 ||
                             t.code === typed || t.code === typed.toLowerCase());
        });
        if (!hits.length) {
            var none = document.createElement("p");
            none.textContent = fill(T.nobody, {query: typed});
            found.appendChild(none);
            return;
        }
        var list = document.createElement("ul");
        list.className = "checkin-found";
        hits.forEach(function (t) {
            var item = document.createElement("li");
            var who = document.createElement("span");
            var strong = document.createElement("strong");
            strong.textContent = t.name;
            who.appendChild(strong);
            who.appendChild(document.createElement("br"));
            who.appendChild(document.createTextNode(t.ticket_type +
                (t.checked_in_at ? " · " + fill(T.entered_at, {time: timeOf(t.checked_in_at)}) : "")));
            item.appendChild(who);
            if (!t.cancelled && !t.checked_in_at) {
                var button = document.createElement("button");
                button.type = "button";
                button.className = "button";
                button.textContent = T.admit;
                button.setAttribute("aria-label", fill(T.admit_label, {name: t.name}));
                button.addEventListener("click", function () { checkOffline(t.code); });
                item.appendChild(button);
            }
            list.appendChild(item);
        });
        found.appendChild(list);
    });

    // --- sending the scans made offline -------------------------------------------------------

    var syncing = false;

    function sync() {
        var scans = queue();
        if (syncing || !scans.length || !navigator.onLine) { updateStatus(); return; }
        syncing = true;
        updateStatus();
        var options = withTimeout(15000);
        options.method = "POST";
        options.credentials = "same-origin";
        options.headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf};
        options.body = JSON.stringify({device: device(), scans: scans});
        fetch(root.getAttribute("data-sync-url"), options).then(function (response) {
            return response.json().then(function (data) { return {ok: response.ok, data: data}; });
        }).then(function (answer) {
            syncing = false;
            if (!answer.ok) {
                syncStatus.textContent = fill(T.sync_refused, {error: answer.data.error || ""});
                return;
            }
            var done = {};
            var messages = [fill(T.synced, {n: answer.data.scans.length})];
            answer.data.scans.forEach(function (s) {
                done[s.id] = true;
                if (s.conflict) { messages.push(fill(T.conflict, {name: s.name || s.id})); }
            });
            write(QUEUE_KEY, queue().filter(function (s) { return !done[s.id]; }));
            syncStatus.textContent = messages.join(" ");
            syncStatus.setAttribute("data-synced", answer.data.scans.length);
            showCounts(answer.data.counts);
            if (answer.data.conflicts) {
                fetch(window.location.pathname, {credentials: "same-origin"})
                    .then(function (r) { return r.text(); }).then(swapFrom).catch(function () {});
            }
            loadTickets(true);
        }).catch(function () { syncing = false; updateStatus(); });
    }

    window.addEventListener("online", function () { sync(); });
    window.addEventListener("offline", function () { updateStatus(); });
    setInterval(function () {
        if (document.hidden || !navigator.onLine) { return; }
        if (queue().length) { sync(); return; }
        fetch(root.getAttribute("data-counts-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
            .then(function (r) { return r.ok ? r.json() : null; }).then(showCounts).catch(function () {});
    }, 15000);

    if (navigator.onLine) {
        loadTickets().then(sync);
    } else {
        var kept = cache();
        if (kept) { showCounts(localCounts(kept)); }
        updateStatus();
    }

    // Undoing a check-in needs the server.
    root.addEventListener("submit", function (event) {
        if (!navigator.onLine && event.target !== form && event.target !== searchForm) {
            event.preventDefault();
            syncStatus.textContent = T.needs_network;
        }
    }, true);

    // --- the camera -----------------------------------------------------------------------------

    var scanBox = document.getElementById("scan");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    scanBox.hidden = false;
    var start = document.getElementById("scan-start"), stop = document.getElementById("scan-stop");
    var video = document.getElementById("scan-video"), cameraError = document.getElementById("scan-error");
    var stream = null, detector = null, canvas = null, lastCode = "", lastAt = 0;

    function loadJsQR() {
        return new Promise(function (resolve, reject) {
            if (window.jsQR) { resolve(); return; }
            var script = document.createElement("script");
            script.src = root.getAttribute("data-jsqr-url");
            script.onload = resolve;
            script.onerror = reject;
            document.head.appendChild(script);
        });
    }

    function reader() {
        if ("BarcodeDetector" in window) {
            try {
                detector = new window.BarcodeDetector({formats: ["qr_code"]});
                return Promise.resolve(function () {
                    return detector.detect(video).then(function (codes) {
                        return codes.length ? codes[0].rawValue : null;
                    });
                });
            } catch (e) { detector = null; }
        }
        return loadJsQR().then(function () {
            canvas = canvas || document.createElement("canvas");
            var context = canvas.getContext("2d", {willReadFrequently: true});
            return function () {
                var width = video.videoWidth, height = video.videoHeight;
                if (!width || !height) { return Promise.resolve(null); }
                var scale = Math.min(1, 640 / Math.max(width, height));
                canvas.width = Math.round(width * scale);
                canvas.height = Math.round(height * scale);
                context.drawImage(video, 0, 0, canvas.width, canvas.height);
                var image = context.getImageData(0, 0, canvas.width, canvas.height);
                var code = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "attemptBoth"});
                return Promise.resolve(code ? code.data : null);
            };
        });
    }

    function stopCamera() {
        if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
        stream = null;
        video.hidden = true;
        stop.hidden = true;
        start.hidden = false;
    }

    start.addEventListener("click", function () {
        var Context = window.AudioContext || window.webkitAudioContext;
        if (Context && !audio) { try { audio = new Context(); } catch (e) { audio = null; } }
        Promise.all([
            navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}),
            reader()
        ]).then(function (both) {
            stream = both[0];
            var read = both[1];
            video.srcObject = stream;
            video.hidden = false;
            start.hidden = true;
            stop.hidden = false;
            cameraError.hidden = true;
            video.play();
            var tick = function () {
                if (!stream) { return; }
                read().then(function (value) {
                    var now = Date.now();
                    value = (value || "").trim();
                    // The same code held in front of the camera is read once every 3 s.
                    if (value && (value !== lastCode || now - lastAt > 3000)) {
                        lastCode = value;
                        lastAt = now;
                        checkIn(value);
                        setTimeout(tick, 1200);
                    } else {
                        setTimeout(tick, 150);
                    }
                }).catch(function () { setTimeout(tick, 400); });
            };
            tick();
        }).catch(function () {
            stopCamera();
            cameraError.hidden = false;
        });
    });
    stop.addEventListener("click", stopCamera);
})();
