import { StatusPage } from "./(portal)/_components/status-page";

export default function NotFound() {
  return <StatusPage messages="common.notFound" />;
}
