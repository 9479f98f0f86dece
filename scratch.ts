for (const d of [1000, 5000, 10000, 20000]) { try { JSON.parse("[".repeat(d)+"]".repeat(d)); console.log(d, "ok"); } catch (e) { console.log(d, String(e)); } }
