// Prints nginx's node list for deploy/nginx/hearth-call.conf (/etc/nginx/hearth-call/nodes.conf) from NODE_ID=address
// pairs, in the format of deploy/nginx/hearth-call-nodes.conf (the same renderNodes() the cluster tests use).
// Usage: node scripts/nginx-nodes.mjs n1=10.0.0.11:8080 n2=10.0.0.12:8080 ... > /etc/nginx/hearth-call/nodes.conf
import { renderNodes } from '../tests/cluster/lib/nginx.mjs';

const pairs = process.argv.slice(2);
if (!pairs.length || pairs.includes('--help') || pairs.includes('-h')) {
  console.error('usage: node scripts/nginx-nodes.mjs NODE_ID=host:port [NODE_ID=host:port ...]');
  process.exit(pairs.length ? 0 : 2);
}
try {
  const nodes = pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 0) throw new Error(`${pair}: expected NODE_ID=host:port`);
    return { id: pair.slice(0, at), address: pair.slice(at + 1) };
  });
  const header = `# hearth-call nodes for nginx, made by scripts/nginx-nodes.mjs ${pairs.join(' ')}`;
  process.stdout.write(renderNodes(nodes, { header }));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
