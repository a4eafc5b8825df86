// Vite's `?inline` imports: a stylesheet's text, injected by the page that needs it.
declare module "*.css?inline" {
  const css: string;
  export default css;
}
