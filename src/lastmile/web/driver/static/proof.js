// Proof helpers: photos downscaled on the phone, a signature pad, a barcode scanner.
const MAX_SIDE = 1600;

function canvasBlob(canvas, type, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/** The photo as a JPEG whose longest side is at most 1600 px. */
export async function downscalePhoto(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await canvasBlob(canvas, "image/jpeg", 0.8);
  return new File([blob], "photo.jpg", { type: "image/jpeg" });
}

/** A signature drawn with a finger, mouse or pen (pointer events) on a canvas. */
export class SignaturePad {
  constructor(canvas) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.strokes = 0;
    this.clear();
    let drawing = false;
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
    };
    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      this.context.beginPath();
      this.context.moveTo(...point(event));
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      this.context.lineTo(...point(event));
      this.context.stroke();
      this.strokes += 1;
    });
    const end = () => {
      drawing = false;
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  }

  clear() {
    const { context, canvas } = this;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.lineWidth = 3;
    context.lineCap = "round";
    context.strokeStyle = "#000";
    this.strokes = 0;
  }

  get empty() {
    return this.strokes === 0;
  }

  async toFile() {
    const blob = await canvasBlob(this.canvas, "image/png");
    return new File([blob], "signature.png", { type: "image/png" });
  }
}

export function canScan() {
  return "BarcodeDetector" in window && Boolean(navigator.mediaDevices?.getUserMedia);
}

/** Read one barcode with the rear camera; resolves with its text (or null when stopped). */
export async function scanBarcode(video) {
  const detector = new window.BarcodeDetector();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  try {
    for (let tries = 0; tries < 600; tries += 1) {
      const [found] = await detector.detect(video);
      if (found) return found.rawValue;
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    return null;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.hidden = true;
  }
}
