import { StatusPage } from "./(portal)/_components/status-page";

export default function Forbidden() {
  return <StatusPage messages="common.forbidden" />;
}
