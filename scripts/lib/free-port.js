/** A free TCP port on the loopback interface (for the servers the tests and benches start). */
const net = require("net");

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

module.exports = { freePort };
