(()=>{const c=%s;let gen=c.gen;
const ov=()=>document.getElementById("casefolio-overlay"),hide=()=>{const o=ov();if(o)o.remove()};
function show(d){let o=ov();if(!o){o=document.createElement("div");o.id="casefolio-overlay";
o.setAttribute("role","alert");o.style.cssText="all:initial;position:fixed;inset:0;z-index:2147483647;overflow:auto;box-sizing:border-box;padding:6vh 4vw;background:rgba(0,0,0,.6)";
document.body.append(o)}const n=d.problems.length,b=document.createElement("pre");
b.style.cssText="all:initial;display:block;max-width:60rem;margin:0 auto;padding:1.5rem 2rem;background:#18181b;color:#fafafa;border-top:4px solid #ef4444;border-radius:6px;font:14px/1.6 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap";
b.textContent="casefolio: the build failed ("+n+" error"+(n==1?"":"s")+"). Fix it and save: "+
"this goes away by itself.\n\n"+d.problems.join("\n\n");o.replaceChildren(b)}
function swap(d){for(const l of document.querySelectorAll('link[rel~="stylesheet"]')){
const u=new URL(l.href,location.href),p=u.pathname.slice(1),r=d.renamed[p];
if(!r&&!d.changed.includes(p))continue;const f=l.cloneNode();
f.href=r?"/"+r:u.pathname+"?v="+d.gen;f.onload=f.onerror=()=>l.remove();l.after(f)}}
let es=null;
function connect(){if(es||document.hidden)return;
es=new EventSource("%s?instance="+c.instance+"&gen="+gen);
es.addEventListener("build",e=>{const d=JSON.parse(e.data);gen=d.gen;hide();
if(c.broken)return location.reload();if(d.css_only)return swap(d);
if(d.changed.some(p=>c.paths.includes(p)||!/\.(html|xml|txt|css)$/.test(p)))location.reload()});
es.addEventListener("problems",e=>{const d=JSON.parse(e.data);gen=Math.max(gen,d.gen);show(d)});
es.addEventListener("reload",()=>location.reload());
es.onerror=()=>{es.close();es=null;setTimeout(connect,500)}}
// Hidden tabs let go of their connection (browsers allow ~6 per host); back in view, the
// server replays what they missed.
document.addEventListener("visibilitychange",()=>{if(document.hidden&&es){es.close();es=null}
else connect()});connect()})();
